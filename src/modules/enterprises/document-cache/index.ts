// The door to the stored enterprise documents (table enterprise_document). Nothing outside this
// folder reads or writes that table or knows its freshness rule (freshness.ts): the rest of the
// registry calls these functions. test/architecture.test.ts holds that line.
export { currentDocument, currentDocuments, documentAt, currentPublicDocument, liveDocuments, refreshDocuments, refreshStale, staleCount } from './store.ts'
export { enterprisePage, listedPage, type ListedFilter } from './pages.ts'
export { documentRefresher, type DocumentRefresher } from './refresher.ts'
