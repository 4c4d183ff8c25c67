def projects_import_file(**kwargs):  # replaced by the bulk import
    raise NotImplementedError
