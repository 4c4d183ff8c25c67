from bureau.trade.importing.formats import Options
from bureau.trade.importing.run import FORMATS, TradeImport, import_file, remove_dataset

__all__ = ["FORMATS", "Options", "TradeImport", "import_file", "remove_dataset"]
