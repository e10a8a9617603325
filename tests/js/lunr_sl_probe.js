// Runs the Slovenian lunr language (overrides/assets/javascripts/lunr/min/lunr.sl.min.js)
// under node for tests/test_stemmer.py. Reads JSON from stdin:
//   {"words": [...], "docs": {"id": "text", ...}, "queries": [...]}
// and prints {"stems": {word: stem}, "stopWords": [...], "results": {query: [ids]}}.
// Queries are run the way Material's search worker runs them: each term
// gets a trailing `*` (prefix search).
const path = require("path")
const root = path.resolve(__dirname, "..", "..")
const lunr = require(path.join(root, "node_modules", "lunr"))
require(path.join(root, "overrides", "assets", "javascripts", "lunr", "min", "lunr.sl.min.js"))(lunr)

const request = JSON.parse(require("fs").readFileSync(0, "utf8"))
const stems = {}
for (const word of request.words || []) stems[word] = lunr.sl.stemWord(word)
const stopWords = (request.words || []).filter(word => lunr.sl.isStopWord(word))

const results = {}
if (request.docs) {
  const index = lunr(function () {
    this.use(lunr.sl)
    this.ref("id")
    this.field("text")
    for (const [id, text] of Object.entries(request.docs)) this.add({ id, text })
  })
  for (const query of request.queries || []) {
    const prefixQuery = query.trim().split(/\s+/).map(term => `${term}*`).join(" ")
    results[query] = index.search(prefixQuery).map(result => result.ref).sort()
  }
}
process.stdout.write(JSON.stringify({ stems, stopWords, results }))
