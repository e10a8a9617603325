// Runs the Slovenian lunr language (overrides/assets/javascripts/lunr/min/lunr.sl.min.js)
// under node for tests/test_stemmer.py and tests/test_search_terms.py, with the
// handbook's search worker patch loaded first, as in the browser
// (overrides/assets/javascripts/workers/search-stemming.js). Reads JSON from stdin:
//   {"words": [...], "config": {"spelling": [[pattern, replacement], ...]},
//    "docs": {"id": "text" or {"title": ..., "text": ...}, ...}, "queries": [...]}
// and prints {"stems": {word: stem}, "keys": {word: folded stem}, "stopWords": [...],
// "results": {query: [ids, sorted]}, "ranked": {query: [ids, best first]}}.
// Queries are run the way Material's search worker runs them: each term
// gets a trailing `*` (prefix search); docs with a title are indexed as
// Material indexes them (title boost 1000, no length normalisation, b = 0).
const path = require("path")
const root = path.resolve(__dirname, "..", "..")
const lunr = require(path.join(root, "node_modules", "lunr"))
const configure = require(path.join(root, "overrides", "assets", "javascripts", "workers", "search-stemming.js"))(lunr)
require(path.join(root, "overrides", "assets", "javascripts", "lunr", "min", "lunr.sl.min.js"))(lunr)
const { runQueries } = require("./search_index")

const request = JSON.parse(require("fs").readFileSync(0, "utf8"))
configure(request.config || {})
const stems = {}
const keys = {}
for (const word of request.words || []) {
  stems[word] = lunr.sl.stemWord(word)
  keys[word] = lunr.sl.stemWord(lunr.foldSpelling(word.toLowerCase()))
}
const stopWords = (request.words || []).filter(word => lunr.sl.isStopWord(word))
const { results, ranked } = runQueries(lunr, request, function () { this.use(lunr.sl) })
process.stdout.write(JSON.stringify({ stems, keys, stopWords, results, ranked }))
