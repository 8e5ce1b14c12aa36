"""The problem ledger (问题台账) as a file: .xlsx ready to print, or .csv (UTF-8 with BOM).

One module for the command line (`huitoukan problems export`) and the web list. The public API:

    file_format_for(filename: str) -> str
        "xlsx" or "csv" from the file name's extension; anything else raises ExportFormatError
        (a ValueError whose message is translated, fit to show a user).

    write_problems(problems, out, file_format: str, *, user=None, full_id_numbers: bool = False) -> int
        Writes `problems` (a Problem queryset, already scoped and filtered by the caller; its order
        is kept) to `out` (a path, or a binary file object such as an HttpResponse or BytesIO) and
        returns the number of problem rows written. ID numbers are shown as
        accounts.masking.id_number_for(user, …) allows, or in full when full_id_numbers is True
        (the command line, run by the county administrator on the server). Logging the export
        (accounts.audit.log_export) is the caller's job, since only it knows the request.

    CONTENT_TYPES: dict[str, str]   file format → MIME type, for an HTTP response.
"""
