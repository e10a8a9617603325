/*!
 * The handbook's search worker: Material's worker, plus what it lacks for a
 * clinical handbook in several languages. For every language's index:
 *   - Spelling variants: the rules of the language's search data
 *     (i18n/search/<language>.yml, `spelling`), which the hooks put into the
 *     index's config, fold every indexed word and every query word before the
 *     stemmer: anaemia and anemia, tumour and tumor, hiperkalciemija and
 *     hiperkalcemija meet.
 *   - Prefix queries: Material appends `*` to every query term, and lunr
 *     skips the search pipeline for such terms, so `treatments*` would never
 *     meet the indexed stem `treatment`. Prefix terms are folded and stemmed
 *     here, keeping the `*`, with the language's own stemmer: English (Porter,
 *     below) or a lunr language that exposes `lunr.<language>.stemWord`
 *     (overrides/assets/javascripts/lunr/min/lunr.sl.min.js). A term of one
 *     character is a whole word, not a prefix: lunr splits "CAR-T" at the
 *     hyphen, and `t*` matched nearly every page.
 *   - English: a stem can be shorter than a word typed halfway
 *     (infection -> infect; `infecti*` matches no stem), so each word is
 *     indexed as itself and, when they differ, as its stem.
 *   - Whole words first: a prefix term also asks for the whole word, with a
 *     higher boost, so plazmocitom ranks a page on plazmocitom above one on
 *     plazmocitoza, which it also finds.
 *   - Short titles first: of two titles that match, the shorter one ranks
 *     higher (lunr's length normalisation, for titles only).
 * A word indexed twice at one position (itself and its stem) is kept once
 * per position in the results, so Material marks it once.
 *
 * In the browser this file is the search worker (on the pages of a language
 * below its own root, run from <language>/search/worker.js, which its
 * offline copy answers for): the hooks point `search` in each page's
 * __config here, with Material's own worker named in
 * `?material=search.<hash>.min.js`; it reads the spelling rules from
 * Material's setup message, loads that worker and patches the lunr it
 * exposes. Under node it exports the patch, which returns `configure(config)`
 * (tests/js/lunr_en_probe.js, tests/js/lunr_sl_probe.js).
 */
;(function (patch) {
  if (typeof module === "object" && module.exports) {
    module.exports = patch
    return
  }
  var material = new URLSearchParams(self.location.search).get("material") || ""
  if (!/^search\.[0-9a-f]+\.min\.js$/.test(material))
    throw new Error("search-stemming.js: expected ?material=search.<hash>.min.js, got " + self.location.search)
  /* Run by a language's own search worker (<language>/search/worker.js,
     scripts/myeloma_handbook/per_language.py), which names the folder of the
     shared workers: Material's worker and the lunr files it loads ("../lunr/")
     are found from there, not from the language's folder. */
  var shared = self.handbookSharedWorkers
  if (shared) {
    var load = self.importScripts
    self.importScripts = function () {
      return load.apply(self, Array.prototype.map.call(arguments, function (url) { return new URL(url, shared).href }))
    }
  }
  var configure = null
  /* Registered before Material's worker, so it sees the setup message (type 0)
     first: the spelling rules must be in place before the index is built. */
  addEventListener("message", function (event) {
    if (configure && event.data && event.data.type === 0) configure(event.data.data.config)
  })
  importScripts(material)
  configure = patch(self.lunr)
}(function (lunr) {
  var porter = lunr.stemmer
  var spelling = []        // [RegExp, replacement] of the index's language
  var stemPrefix = null    // how the index's language stems a prefix query term
  var dedupePositions = false

  lunr.stemWordEn = function (word) {
    return porter(new lunr.Token(word)).toString()
  }

  /* The spelling rules of the index's language (its config). */
  function configure (config) {
    spelling = (config.spelling || []).map(function (rule) {
      return [new RegExp(rule[0], "g"), rule[1]]
    })
  }

  lunr.foldSpelling = function (word) {
    for (var i = 0; i < spelling.length; i++) word = word.replace(spelling[i][0], spelling[i][1])
    return word
  }

  var spellingFilter = function (token) {
    return spelling.length ? token.update(lunr.foldSpelling) : token
  }
  lunr.Pipeline.registerFunction(spellingFilter, "spelling-handbook")

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

  function insertBeforeStemmer (pipeline, fn) {
    var stemmer = pipeline.toJSON().filter(function (label) { return /stemmer/.test(label) })[0]
    if (stemmer) pipeline.before(lunr.Pipeline.registeredFunctions[stemmer], fn)
    else pipeline.add(fn)
  }

  /* The language's stemmer for prefix terms, from the search pipeline. */
  function prefixStemmer (labels) {
    if (labels.indexOf("stemmer-with-word") !== -1) return lunr.stemWordEn
    for (var i = 0; i < labels.length; i++) {
      var language = /^stemmer-(\w+)$/.exec(labels[i])
      if (language && lunr[language[1]] && typeof lunr[language[1]].stemWord === "function")
        return lunr[language[1]].stemWord
    }
    return null
  }

  /* Once the pipelines are final (the first document is added): spelling
     right before the stemmer, in the index and in queries. */
  var add = lunr.Builder.prototype.add
  lunr.Builder.prototype.add = function (doc, attributes) {
    if (!this.handbookPipelines) {
      this.handbookPipelines = true
      insertBeforeStemmer(this.pipeline, spellingFilter)
      insertBeforeStemmer(this.searchPipeline, spellingFilter)
      stemPrefix = prefixStemmer(this.searchPipeline.toJSON())
      dedupePositions = true
    }
    return add.call(this, doc, attributes)
  }

  /* A prefix term also asks for the whole word, with a higher boost: a
     word matched as itself outranks longer words it begins (plazmocitom*
     finds plazmocitoza too, but a page on plazmocitom comes first). */
  var WHOLE_WORD_BOOST = 6
  /* Of two titles that match, the shorter is more about the query: "CAR-T
     cell therapy" before "Cytopenias after CAR-T cells (ICAHT)". Material
     turns lunr's length normalisation off for every field (b = 0); titles
     get b = TITLE_LENGTH_WEIGHT here, by giving every other field its
     average length, which makes the normalisation 1 for it. */
  var TITLE_LENGTH_WEIGHT = 0.3
  var averageLengths = lunr.Builder.prototype.calculateAverageFieldLengths
  lunr.Builder.prototype.calculateAverageFieldLengths = function () {
    averageLengths.call(this)
    if (this._b !== 0) return  // lunr's own normalisation, set by someone else: leave it
    for (var ref in this.fieldLengths) {
      var field = lunr.FieldRef.fromString(ref).fieldName
      if (field !== "title") this.fieldLengths[ref] = this.averageFieldLength[field]
    }
    this._b = TITLE_LENGTH_WEIGHT
  }

  var addClause = lunr.Query.prototype.clause
  lunr.Query.prototype.clause = function (clause) {
    if (clause.usePipeline === false && /^[^*]\*$/.test(clause.term)) {
      clause.term = clause.term.slice(0, -1)  // one character: a whole word (the T of CAR-T)
      clause.wildcard = lunr.Query.wildcard.NONE
    }
    if (clause.usePipeline === false && /^[^*]+\*$/.test(clause.term)) {
      var word = lunr.foldSpelling(clause.term.slice(0, -1))
      word = stemPrefix ? stemPrefix(word) : word
      clause.term = word + "*"
      addClause.call(this, clause)
      return addClause.call(this, {
        term: word, fields: clause.fields, boost: (clause.boost || 1) * WHOLE_WORD_BOOST, usePipeline: false,
        wildcard: lunr.Query.wildcard.NONE, presence: lunr.Query.presence.OPTIONAL
      })
    }
    return addClause.call(this, clause)
  }

  /* A prefix can match a word and its stem at one position (therap* finds
     therapy and therapi): keep each position once, or Material would mark
     that word twice. */
  var query = lunr.Index.prototype.query
  lunr.Index.prototype.query = function (fn) {
    var results = query.call(this, fn)
    if (!dedupePositions) return results
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

  return configure
}))
