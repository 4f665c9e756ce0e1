"""The downloadable templates: an XLSX workbook with instructions, or one CSV file per sheet."""

from __future__ import annotations

import io
import zipfile

from django.utils.translation import gettext as _

from opencoop.opendata.csvfiles import csv_writer

from .mapping import COLUMNS, SHEET_TITLES, SHEETS


def xlsx_template() -> bytes:
    """Return the workbook: a sheet per kind of row (headings and one example) + instructions."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    workbook = Workbook()
    instructions = workbook.active
    instructions.title = "instructions"
    instructions.append([_("How to fill in this workbook")])
    instructions["A1"].font = Font(bold=True)
    instructions.append(
        [_("Fill one sheet per kind of row. Keep the headings of row 1; delete the example rows.")]
    )
    instructions.append(
        [
            _(
                "An empty cell empties the field. Budgets and transactions listed for a project "
                "replace the ones it had; projects not listed keep theirs."
            )
        ]
    )
    instructions.append([])
    instructions.append([_("sheet"), _("column"), _("required"), _("what to write")])
    for cell in instructions[instructions.max_row]:
        cell.font = Font(bold=True)
    for sheet in SHEETS:
        for column in COLUMNS[sheet]:
            instructions.append(
                [sheet, column.header, _("yes") if column.required else "", str(column.help)]
            )
    instructions.column_dimensions["A"].width = 14
    instructions.column_dimensions["B"].width = 22
    instructions.column_dimensions["D"].width = 100

    for sheet in SHEETS:
        worksheet = workbook.create_sheet(sheet)
        worksheet.append([column.header for column in COLUMNS[sheet]])
        for cell, column in zip(worksheet[1], COLUMNS[sheet], strict=True):
            cell.font = Font(bold=True)
            cell.comment = Comment(str(column.help), "OpenCoop")
        worksheet.append([column.example for column in COLUMNS[sheet]])
        worksheet.freeze_panes = "A2"
    instructions.append([])
    for sheet in SHEETS:
        instructions.append([sheet, str(SHEET_TITLES[sheet])])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def csv_template(sheet: str) -> str:
    """Return one sheet's template as CSV (headings and one example row)."""
    output = io.StringIO()
    writer = csv_writer(output)
    writer.writerow([column.header for column in COLUMNS[sheet]])
    writer.writerow([column.example for column in COLUMNS[sheet]])
    return output.getvalue()


def csv_templates_zip() -> bytes:
    """Return a ZIP of the three CSV templates (activities.csv, budgets.csv, transactions.csv)."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for sheet in SHEETS:
            archive.writestr(f"{sheet}.csv", "\ufeff" + csv_template(sheet))
    return output.getvalue()
