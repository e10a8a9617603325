// A lunr index over the probes' documents, set up as Material's search worker
// sets one up, and the probes' queries, run as Material runs them.
// `language` sets up the language (this.use(lunr.sl), or nothing for English).
function runQueries (lunr, request, language) {
  const results = {}
  const ranked = {}
  const duplicatePositions = {}
  if (!request.docs) return { results, ranked, duplicatePositions }
  const docs = Object.entries(request.docs).map(([id, doc]) => typeof doc === "string" ? { id, text: doc } : { id, ...doc })
  const titled = docs.some(doc => doc.title !== undefined)
  const index = lunr(function () {
    language.call(this)
    this.metadataWhitelist = ["position"]
    if (titled) this.b(0)  // Material: no length normalisation (the worker adds it back for titles)
    this.ref("id")
    if (titled) this.field("title", { boost: 1000 })
    this.field("text")
    for (const doc of docs) this.add(doc)
  })
  for (const query of request.queries || []) {
    const prefixQuery = query.trim().split(/\s+/).map(term => `${term}*`).join(" ")
    const found = index.search(prefixQuery)
    results[query] = found.map(result => result.ref).sort()
    ranked[query] = found.map(result => result.ref)
    duplicatePositions[query] = found.filter(result => {
      const positions = Object.values(result.matchData.metadata)
        .flatMap(fields => (fields.text ? fields.text.position : []).map(String))
      return new Set(positions).size !== positions.length
    }).map(result => result.ref)
  }
  return { results, ranked, duplicatePositions }
}

module.exports = { runQueries }
