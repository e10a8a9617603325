// Runs the English stemming patch of the search worker
// (overrides/assets/javascripts/workers/search-stemming.js) under node for
// tests/test_stemmer.py. Reads JSON from stdin:
//   {"words": [...], "docs": {"id": "text", ...}, "queries": [...]}
// and prints {"stems": {word: stem}, "results": {query: [ids]},
// "duplicatePositions": {query: [ids whose match repeats a position]}}.
// The index is set up as Material sets up the English one (lunr's default
// pipeline [trimmer, stopWordFilter, stemmer], positions kept), and each
// query term gets a trailing `*` as Material's search does.
const path = require("path")
const root = path.resolve(__dirname, "..", "..")
const lunr = require(path.join(root, "node_modules", "lunr"))
require(path.join(root, "overrides", "assets", "javascripts", "workers", "search-stemming.js"))(lunr)

const request = JSON.parse(require("fs").readFileSync(0, "utf8"))
const stems = {}
for (const word of request.words || []) stems[word] = lunr.stemWordEn(word)

const results = {}
const duplicatePositions = {}
if (request.docs) {
  const index = lunr(function () {
    this.metadataWhitelist = ["position"]
    this.ref("id")
    this.field("text")
    for (const [id, text] of Object.entries(request.docs)) this.add({ id, text })
  })
  for (const query of request.queries || []) {
    const prefixQuery = query.trim().split(/\s+/).map(term => `${term}*`).join(" ")
    const found = index.search(prefixQuery)
    results[query] = found.map(result => result.ref).sort()
    duplicatePositions[query] = found.filter(result => {
      const positions = Object.values(result.matchData.metadata)
        .flatMap(fields => (fields.text ? fields.text.position : []).map(String))
      return new Set(positions).size !== positions.length
    }).map(result => result.ref)
  }
}
process.stdout.write(JSON.stringify({ stems, results, duplicatePositions }))
