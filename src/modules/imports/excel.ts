// exceljs, loaded when the first spreadsheet is written (a template or an error report) rather
// than at start: it is the largest module the service uses (about 0.5 s of CPU to load here), and
// only those two routes need it.
export const loadExcel = () => import('exceljs')
