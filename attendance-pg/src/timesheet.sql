-- The timesheet's rows: follows ledger.sql (see timesheet.rs), whose
-- `ledger` holds the lines of `emp`. Each line gets its employee's and
-- team's names, and whether a lock of the company or of the line's team
-- (the employee's team on that date) covers its date.
SELECT l.*, e.name AS employee_name, t.name AS team_name,
       EXISTS (SELECT 1 FROM period_locks pl
               WHERE (pl.team_id IS NULL OR pl.team_id = l.team_id)
                 AND l.date BETWEEN pl.from_date AND pl.to_date) AS locked
FROM ledger l
JOIN employees e ON e.id = l.employee_id
JOIN teams t ON t.id = l.team_id
ORDER BY l.employee_id, l.date
