// Runs the handbook's search worker patch
// (overrides/assets/javascripts/workers/search-stemming.js) under node for
// tests/test_stemmer.py and tests/test_search_terms.py, with lunr's English
// pipeline. Reads JSON from stdin:
//   {"words": [...], "config": {"spelling": [[pattern, replacement], ...]},
//    "docs": {"id": "text" or {"title": ..., "text": ...}, ...}, "queries": [...]}
// and prints {"stems": {word: Porter stem}, "keys": {word: folded stem},
// "results": {query: [ids, sorted]}, "ranked": {query: [ids, best first]},
// "duplicatePositions": {query: [ids whose match repeats a position]}}.
// The index is set up as Material sets up the English one (lunr's default
// pipeline [trimmer, stopWordFilter, stemmer], positions kept), and each
// query term gets a trailing `*` as Material's search does.
const path = require("path")
const root = path.resolve(__dirname, "..", "..")
const lunr = require(path.join(root, "node_modules", "lunr"))
const configure = require(path.join(root, "overrides", "assets", "javascripts", "workers", "search-stemming.js"))(lunr)
const { runQueries } = require("./search_index")

const request = JSON.parse(require("fs").readFileSync(0, "utf8"))
configure(request.config || {})
const stems = {}
const keys = {}
for (const word of request.words || []) {
  stems[word] = lunr.stemWordEn(word)
  keys[word] = lunr.stemWordEn(lunr.foldSpelling(word.toLowerCase()))
}
const { results, ranked, duplicatePositions } = runQueries(lunr, request, function () {})
process.stdout.write(JSON.stringify({ stems, keys, results, ranked, duplicatePositions }))
