//! The XLSX workbook: day lines on one sheet, totals on another, both in
//! rust_xlsxwriter's constant-memory mode (each finished row goes to a
//! temporary file, not to a map of every cell).

use attendance_core::export::{LockCoverage, TimesheetStream};
use attendance_core::{Error, Result};
use chrono::Datelike;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, RowNum, Workbook, Worksheet, XlsxError,
};

use crate::line::{COLUMNS, Cell, Line, Totals};
use crate::next_row;

/// The name of the sheet of day lines.
pub const TIMESHEET_SHEET: &str = "Timesheet";
/// The name of the sheet of total lines.
pub const TOTALS_SHEET: &str = "Totals";
/// The custom document property that says whether the period is final.
pub const LOCK_PROPERTY: &str = "period_locked";

/// Rows a sheet can hold after its header (Excel's limit is 1,048,576).
const MAX_DATA_ROWS: RowNum = 1_048_575;

pub(crate) async fn xlsx(mut rows: TimesheetStream<'_>, coverage: LockCoverage) -> Result<Vec<u8>> {
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title("Timesheet")
            .set_custom_property(LOCK_PROPERTY, coverage.as_str()),
    );
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let mut days = Sheet::new(&mut workbook, TIMESHEET_SHEET)?;
    let mut totals_sheet = Sheet::new(&mut workbook, TOTALS_SHEET)?;
    let mut totals = Totals::default();
    while let Some(row) = next_row(&mut rows).await {
        let row = row?;
        if let Some(total) = totals.push(&row) {
            totals_sheet.line(&total.line(), &date)?;
        }
        days.line(&Line::day(&row), &date)?;
    }
    if let Some(total) = totals.finish() {
        totals_sheet.line(&total.line(), &date)?;
    }
    workbook.push_worksheet(days.sheet);
    workbook.push_worksheet(totals_sheet.sheet);
    workbook.save_to_buffer().map_err(xlsx_error)
}

/// A worksheet and its next row.
struct Sheet {
    sheet: Worksheet,
    next: RowNum,
}

impl Sheet {
    fn new(workbook: &mut Workbook, name: &str) -> Result<Self> {
        let mut sheet = workbook
            .new_worksheet_with_constant_memory()
            .map_err(xlsx_error)?;
        sheet.set_name(name).map_err(xlsx_error)?;
        let bold = Format::new().set_bold();
        for (col, title) in (0..).zip(COLUMNS) {
            sheet
                .write_string_with_format(0, col, title, &bold)
                .map_err(xlsx_error)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
        Ok(Self { sheet, next: 1 })
    }

    fn line(&mut self, line: &Line<'_>, date: &Format) -> Result<()> {
        if self.next > MAX_DATA_ROWS {
            return Err(Error::validation(
                "format",
                "the timesheet has more rows than an XLSX sheet holds (1,048,575): export CSV or a shorter period",
            ));
        }
        let row = self.next;
        self.next += 1;
        let s = &mut self.sheet;
        for (col, cell) in (0..).zip(line.cells()) {
            // Text is always a string cell: a name like `=SUM(A1)` is never
            // a formula here.
            match cell {
                Cell::Text(t) => s.write_string(row, col, t),
                Cell::Int(n) => s.write_number(row, col, n as f64),
                Cell::Days(d) => s.write_number(row, col, d),
                Cell::Bool(b) => s.write_boolean(row, col, b),
                Cell::Date(d) => {
                    let when = excel_date(d)?;
                    s.write_datetime_with_format(row, col, when, date)
                }
                Cell::Empty => continue,
            }
            .map_err(xlsx_error)?;
        }
        Ok(())
    }
}

fn excel_date(d: chrono::NaiveDate) -> Result<ExcelDateTime> {
    let (Ok(year), Ok(month), Ok(day)) = (
        u16::try_from(d.year()),
        u8::try_from(d.month()),
        u8::try_from(d.day()),
    ) else {
        return Err(Error::validation(
            "period",
            "dates must be in years 1900 to 9999",
        ));
    };
    ExcelDateTime::from_ymd(year, month, day).map_err(xlsx_error)
}

fn xlsx_error(e: XlsxError) -> Error {
    match e {
        XlsxError::RowColumnLimitError => Error::validation(
            "format",
            "the timesheet does not fit an XLSX sheet: export CSV instead",
        ),
        e => Error::backend(e),
    }
}
