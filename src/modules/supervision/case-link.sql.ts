// SQL fragment for other modules: the supervision case a qualification_event row names.

/** JSON `{id, caseNo, eventSeq}` of the case that qualification_event alias `ev` names, or null. */
export function caseLinkJson(ev: string): string {
  return `(SELECT json_build_object('id', sc.id, 'caseNo', sc.case_no, 'eventSeq', ${ev}.case_event_seq)
           FROM supervision_case sc WHERE sc.id = ${ev}.case_id)`
}
