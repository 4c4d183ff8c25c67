from bureau.trade.importing.formats import FORMATS, Options
from bureau.trade.importing.run import TradeImport, import_file, remove_dataset

__all__ = ["FORMATS", "Options", "TradeImport", "import_file", "remove_dataset"]
