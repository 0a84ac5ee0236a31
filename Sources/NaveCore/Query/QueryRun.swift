import NaveModel
import NaveQuery

/// A query being answered one page at a time: the parsed query, the page's size and where the
/// page starts (`QueryContinuation`). Knows how to cut a page out of rows and what token the
/// next page gets; the collections (`TwinQuery`, device jobs) supply the rows.
struct QueryRun: Sendable {
    let query: Query
    /// Rows this page may hold (1…`Hub.queryPageRowsMax`).
    let pageRows: Int
    let resume: QueryContinuation

    /// Rows this page may still show under `TOP n` (and the page size).
    var rowsAllowed: Int {
        guard let top = query.top else { return pageRows }
        return max(0, min(pageRows, top - resume.rowsShown))
    }

    /// A page of rows computed whole (aggregates, device jobs), from the token's row offset.
    func page(of rows: [JSONValue], itemType: String) -> QueryPage {
        let start = min(resume.rowOffset, rows.count)
        let end = start + min(rowsAllowed, rows.count - start)
        let shown = resume.rowsShown + (end - start)
        let more = end < rows.count && query.top.map { shown < $0 } ?? true
        let next = more ? QueryContinuation(queryHash: resume.queryHash, rowsShown: shown, after: nil, rowOffset: end) : nil
        return QueryPage(itemType: itemType, rows: Array(rows[start..<end]), continuation: next?.token)
    }

    /// The token after a page of identity rows whose last row was `last`; nil when no row follows
    /// (`more` false) or `TOP` is reached.
    func continuation(afterShowing count: Int, last: IdentityKey?, more: Bool) -> String? {
        let shown = resume.rowsShown + count
        guard more, let last, query.top.map({ shown < $0 }) ?? true else { return nil }
        return QueryContinuation(queryHash: resume.queryHash, rowsShown: shown, after: last).token
    }
}
