/*!
 * English stemming in Material's search worker.
 *
 * The English index is built with lunr's Porter stemmer (mkdocs.yml, search
 * plugin: pipeline [trimmer, stopWordFilter, stemmer]; the trimmer below
 * replaces lunr's ASCII-only one). Two gaps stay open in
 * Material alone, and this file closes them for any index whose pipeline
 * holds lunr.stemmer (lunr.sl has its own stemmer and prefix handling, so
 * Slovenian is left as it is):
 *   - Material appends `*` to every query term (prefix search), and lunr
 *     skips the search pipeline for such terms, so `treatments*` would never
 *     meet the indexed stem `treatment`. Prefix terms are stemmed here,
 *     keeping the `*`: treatments* -> treatment*, infections* -> infect*.
 *   - A stem can be shorter than a word typed halfway (infection -> infect;
 *     `infecti*` matches no stem). So each word is indexed as itself and, when
 *     they differ, as its stem; a match on both shares one position, kept once
 *     for highlighting.
 *
 * In the browser this file is the search worker: the hooks point `search`
 * in each page's __config here, with Material's own worker named in
 * `?material=search.<hash>.min.js`; it loads that worker and patches the
 * lunr it exposes. Under node it exports the patch (tests/js/lunr_en_probe.js).
 */
;(function (patch) {
  if (typeof module === "object" && module.exports) {
    module.exports = patch
    return
  }
  var material = new URLSearchParams(self.location.search).get("material") || ""
  if (!/^search\.[0-9a-f]+\.min\.js$/.test(material))
    throw new Error("search-stemming.js: expected ?material=search.<hash>.min.js, got " + self.location.search)
  importScripts(material)
  patch(self.lunr)
}(function (lunr) {
  var porter = lunr.stemmer
  var stemsPrefixQueries = false

  lunr.stemWordEn = function (word) {
    return porter(new lunr.Token(word)).toString()
  }

  /* lunr's trimmer keeps ASCII letters only (β2 would become 2, κ nothing);
     this one strips punctuation around a word, so "(therapy," is stemmed too. */
  lunr.trimmer = function (token) {
    return token.update(function (word) {
      return word.replace(/^[^\p{L}\p{N}]+/u, "").replace(/[^\p{L}\p{N}]+$/u, "")
    })
  }
  lunr.Pipeline.registerFunction(lunr.trimmer, "trimmer-unicode")

  /* The word and its stem. Set as lunr.stemmer before any index is built, so
     lunr() puts it in both pipelines and Material's config.pipeline still
     finds it by that name. */
  lunr.stemmer = function (token) {
    var stem = porter(token.clone())
    return stem.toString() === token.toString() ? token : [token, stem]
  }
  lunr.Pipeline.registerFunction(lunr.stemmer, "stemmer-with-word")

  var build = lunr.Builder.prototype.build
  lunr.Builder.prototype.build = function () {
    stemsPrefixQueries = this.searchPipeline.toJSON().indexOf("stemmer-with-word") !== -1
    return build.call(this)
  }

  var addClause = lunr.Query.prototype.clause
  lunr.Query.prototype.clause = function (clause) {
    if (stemsPrefixQueries && clause.usePipeline === false && /^[^*]+\*$/.test(clause.term)) {
      clause.term = lunr.stemWordEn(clause.term.slice(0, -1)) + "*"
    }
    return addClause.call(this, clause)
  }

  /* A prefix can match a word and its stem at one position (therap* finds
     therapy and therapi): keep each position once, or Material would mark
     that word twice. */
  var query = lunr.Index.prototype.query
  lunr.Index.prototype.query = function (fn) {
    var results = query.call(this, fn)
    if (!stemsPrefixQueries) return results
    results.forEach(function (result) {
      var seen = {}
      Object.keys(result.matchData.metadata).forEach(function (term) {
        var fields = result.matchData.metadata[term]
        Object.keys(fields).forEach(function (field) {
          var positions = fields[field].position
          if (!positions) return
          seen[field] = seen[field] || {}
          fields[field].position = positions.filter(function (position) {
            var key = String(position)
            return seen[field][key] ? false : (seen[field][key] = true)
          })
        })
      })
    })
    return results
  }
}))
