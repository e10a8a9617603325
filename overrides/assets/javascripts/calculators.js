/* Clinical calculators of the Myeloma Handbook.
 *
 * Two layers in one dependency-free file:
 *   1. pure scoring functions (iss, riss, r2iss, frailty, mde, cockcroftGault,
 *      ckdEpi2021, correctedCalcium) that take numbers and return either
 *      { ok: true, ... } or { ok: false, errors: [{ field, code, ... }] };
 *      tests/test_calculators.py runs them in node;
 *   2. a small DOM layer that finds <div class="calculator" data-calculator="…">
 *      blocks in a page (each already holds its scoring table in Markdown, which
 *      is all the PDF and readers without JavaScript get) and builds the form.
 *
 * Privacy: nothing here sends, fetches or stores anything; inputs stay in the
 * form fields of the open page. Cut-offs and their sources are cited next to
 * each calculator in the chapters.
 */
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.HandbookCalculators = api;
    api.start(root);
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  /* ------------------------------------------------------------------ */
  /* Numbers                                                              */
  /* ------------------------------------------------------------------ */

  var EPSILON = 1e-9; // thresholds are compared exactly, floating-point noise aside
  function gt(a, b) { return a - b > EPSILON; }
  function ge(a, b) { return a - b > -EPSILON; }
  function lt(a, b) { return b - a > EPSILON; }

  /* Reads "2.75", "2,75" or " 12 " typed in either language. A separator
   * followed by exactly three digits in the thousands style of the page's
   * language ("1,200" in English, "1.200" in Slovenian) is ambiguous and is
   * refused rather than guessed. Empty text is { value: null }. */
  function parseNumber(text, lang) {
    var raw = String(text == null ? "" : text).replace(/[\s\u00a0\u202f\u2009]/g, "");
    if (raw === "") return { value: null };
    var match = /^(-?)(\d*)([.,])?(\d*)$/.exec(raw);
    if (!match || (match[2] === "" && match[4] === "") || (match[3] && match[4] === "")) {
      return { error: "nan" };
    }
    var thousandsMark = catalogue(lang).group;
    if (match[3] === thousandsMark && match[4].length === 3 && /[1-9]/.test(match[2])) {
      return { error: "thousands" };
    }
    return { value: Number(match[1] + (match[2] || "0") + "." + (match[4] || "0")) };
  }

  /* ------------------------------------------------------------------ */
  /* Field definitions: units, possible ranges, conversions               */
  /* ------------------------------------------------------------------ */

  // factor: value in SI units = value in conventional units × factor.
  var CA_FACTOR = 1 / 4.008;   // calcium: 1 mmol/L = 4.008 mg/dL
  var CREAT_FACTOR = 88.4;     // creatinine: 1 mg/dL = 88.4 µmol/L

  var F = {
    b2m: { kind: "number", units: { si: "mg_l" }, range: { si: [0.5, 150] }, wrongUnit: { unit: "mg_dl", factor: 10 } },
    albuminIss: { kind: "number", name: "albumin", units: { si: "g_l" }, range: { si: [10, 70] }, wrongUnit: { unit: "g_dl", factor: 10 } },
    del17p: { kind: "yesno" },
    t414: { kind: "yesno" },
    t1416: { kind: "yesno" },
    gain1q: { kind: "yesno" },
    ldhHigh: { kind: "yesno" },
    age: { kind: "number", integer: true, units: { si: "years" }, range: { si: [18, 120] } },
    charlson: { kind: "number", integer: true, units: { si: "points" }, range: { si: [0, 40] } },
    adl: { kind: "number", halfSteps: true, units: { si: "points" }, range: { si: [0, 6] } },
    iadl: { kind: "number", halfSteps: true, units: { si: "points" }, range: { si: [0, 8] } },
    sex: { kind: "sex" },
    weight: { kind: "number", units: { si: "kg" }, range: { si: [25, 300] } },
    creatinine: { kind: "number", units: { si: "umol_l", conventional: "mg_dl" }, range: { si: [20, 3000], conventional: [0.1, 35] }, factor: CREAT_FACTOR },
    calcium: { kind: "number", units: { si: "mmol_l", conventional: "mg_dl" }, range: { si: [1, 6], conventional: [4, 24] }, factor: CA_FACTOR },
    albumin: { kind: "number", units: { si: "g_l", conventional: "g_dl" }, range: { si: [10, 70], conventional: [1, 7] }, factor: 10 },
    bmpc: { kind: "number", units: { si: "percent" }, range: { si: [0, 100] } },
    plasmacytoma: { kind: "checkbox" },
    calciumUln: { kind: "number", units: { si: "mmol_l", conventional: "mg_dl" }, range: { si: [1, 6], conventional: [4, 24] }, factor: CA_FACTOR },
    crcl: { kind: "number", units: { si: "ml_min" }, range: { si: [0, 250] } },
    hb: { kind: "number", units: { si: "g_l", conventional: "g_dl" }, range: { si: [30, 250], conventional: [3, 25] }, factor: 10 },
    hbLln: { kind: "number", units: { si: "g_l", conventional: "g_dl" }, range: { si: [30, 250], conventional: [3, 25] }, factor: 10 },
    lyticLesions: { kind: "number", integer: true, units: { si: "count" }, range: { si: [0, 999] } },
    flcInvolved: { kind: "number", units: { si: "mg_l", conventional: "mg_dl" }, range: { si: [0.01, 100000], conventional: [0.001, 10000] }, factor: 10 },
    flcUninvolved: { kind: "number", units: { si: "mg_l", conventional: "mg_dl" }, range: { si: [0.01, 100000], conventional: [0.001, 10000] }, factor: 10 },
    mriLesions: { kind: "number", integer: true, units: { si: "count" }, range: { si: [0, 999] } }
  };

  function field(key, extra) {
    var def = {};
    var base = F[key];
    for (var k in base) def[k] = base[k];
    def.name = base.name || key;
    for (var e in extra || {}) def[e] = extra[e];
    return def;
  }

  function unitsOf(def, system) {
    return def.units ? (def.units[system] || def.units.si) : null;
  }

  function rangeOf(def, system) {
    return def.range[system] || def.range.si;
  }

  /* Checks one value; returns an error object or null. */
  function checkValue(def, value, system) {
    if (def.kind === "checkbox") return null;
    if (value === null || value === undefined || value === "") {
      if (def.optional) return null;
      return { field: def.name, code: def.kind === "number" ? "missing" : "choose" };
    }
    if (def.kind === "yesno") return typeof value === "boolean" ? null : { field: def.name, code: "choose" };
    if (def.kind === "sex") return value === "female" || value === "male" ? null : { field: def.name, code: "choose" };
    if (typeof value !== "number" || !isFinite(value)) return { field: def.name, code: "nan" };
    var range = rangeOf(def, system);
    var unit = unitsOf(def, system);
    if (value < range[0] || value > range[1]) {
      // Would the value make sense in the other unit? Then that is the likely mistake.
      var other = null;
      if (def.units && def.units.conventional) {
        var otherSystem = system === "si" ? "conventional" : "si";
        var converted = system === "si" ? value * def.factor : value / def.factor;
        if (converted >= range[0] && converted <= range[1]) other = def.units[otherSystem];
      } else if (def.wrongUnit) {
        var asSI = value * def.wrongUnit.factor;
        if (asSI >= range[0] && asSI <= range[1]) other = def.wrongUnit.unit;
      }
      if (other) return { field: def.name, code: "unit", value: value, unit: unit, otherUnit: other };
      return { field: def.name, code: "range", value: value, unit: unit, min: range[0], max: range[1] };
    }
    if (def.integer && Math.round(value) !== value) return { field: def.name, code: "integer" };
    if (def.halfSteps && Math.round(value * 2) !== value * 2) return { field: def.name, code: "half" };
    return null;
  }

  function validate(fields, inputs, system) {
    var errors = [];
    fields.forEach(function (def) {
      var error = checkValue(def, inputs[def.name], system);
      if (error) errors.push(error);
    });
    return errors;
  }

  function system(inputs) {
    return inputs.units === "conventional" ? "conventional" : "si";
  }

  function failed(errors) { return { ok: false, errors: errors }; }

  /* ------------------------------------------------------------------ */
  /* Scores                                                               */
  /* ------------------------------------------------------------------ */

  /* ISS (Greipp 2005): I = β2M < 3.5 mg/L and albumin ≥ 35 g/L;
   * III = β2M ≥ 5.5 mg/L; II = neither. */
  var ISS_FIELDS = [field("b2m"), field("albuminIss")];
  function issStage(b2m, albumin) {
    if (ge(b2m, 5.5)) return { stage: 3, reason: "b2m_high" };
    if (lt(b2m, 3.5) && ge(albumin, 35)) return { stage: 1, reason: "low_risk" };
    if (lt(b2m, 3.5)) return { stage: 2, reason: "albumin_low" };
    return { stage: 2, reason: "b2m_mid" };
  }
  function iss(inputs) {
    var errors = validate(ISS_FIELDS, inputs, "si");
    if (errors.length) return failed(errors);
    var result = issStage(inputs.b2m, inputs.albumin);
    return { ok: true, stage: result.stage, reason: result.reason };
  }

  /* R-ISS (Palumbo 2015): I = ISS I, no high-risk FISH [del(17p), t(4;14),
   * t(14;16)] and normal LDH; III = ISS III with high-risk FISH or high LDH;
   * II = all others. */
  var RISS_FIELDS = ISS_FIELDS.concat([field("del17p"), field("t414"), field("t1416"), field("ldhHigh")]);
  function riss(inputs) {
    var errors = validate(RISS_FIELDS, inputs, "si");
    if (errors.length) return failed(errors);
    var stageIss = issStage(inputs.b2m, inputs.albumin).stage;
    var highRiskFish = inputs.del17p || inputs.t414 || inputs.t1416;
    var stage = 2;
    if (stageIss === 1 && !highRiskFish && !inputs.ldhHigh) stage = 1;
    if (stageIss === 3 && (highRiskFish || inputs.ldhHigh)) stage = 3;
    return { ok: true, stage: stage, iss: stageIss, highRiskFish: highRiskFish, ldhHigh: inputs.ldhHigh };
  }

  /* R2-ISS (D'Agostino 2022): ISS II 1, ISS III 1.5, del(17p) 1, high LDH 1,
   * t(4;14) 1, 1q gain/amplification 0.5; groups I 0, II 0.5–1, III 1.5–2.5,
   * IV 3–5. Points are added in halves to stay exact. */
  var R2ISS_FIELDS = ISS_FIELDS.concat([field("ldhHigh"), field("del17p"), field("t414"), field("gain1q")]);
  function r2iss(inputs) {
    var errors = validate(R2ISS_FIELDS, inputs, "si");
    if (errors.length) return failed(errors);
    var stageIss = issStage(inputs.b2m, inputs.albumin).stage;
    var halves = { iss: stageIss === 3 ? 3 : stageIss === 2 ? 2 : 0, ldhHigh: inputs.ldhHigh ? 2 : 0,
                   del17p: inputs.del17p ? 2 : 0, t414: inputs.t414 ? 2 : 0, gain1q: inputs.gain1q ? 1 : 0 };
    var total = halves.iss + halves.ldhHigh + halves.del17p + halves.t414 + halves.gain1q;
    var group = total === 0 ? 1 : total <= 2 ? 2 : total <= 5 ? 3 : 4;
    var points = {};
    for (var key in halves) points[key] = halves[key] / 2;
    return { ok: true, points: total / 2, group: group, iss: stageIss, itemPoints: points };
  }

  /* IMWG frailty score (Palumbo 2015): age 76–80 = 1, > 80 = 2; Charlson
   * ≥ 2 = 1; Katz ADL ≤ 4 = 1; Lawton IADL ≤ 5 = 1; fit 0, intermediate 1,
   * frail ≥ 2. Age in completed years. */
  var FRAILTY_FIELDS = [field("age"), field("charlson"), field("adl"), field("iadl")];
  function frailty(inputs) {
    var errors = validate(FRAILTY_FIELDS, inputs, "si");
    if (errors.length) return failed(errors);
    var items = {
      age: inputs.age > 80 ? 2 : inputs.age >= 76 ? 1 : 0,
      charlson: inputs.charlson >= 2 ? 1 : 0,
      adl: inputs.adl <= 4 ? 1 : 0,
      iadl: inputs.iadl <= 5 ? 1 : 0
    };
    var score = items.age + items.charlson + items.adl + items.iadl;
    return { ok: true, score: score, group: score === 0 ? "fit" : score === 1 ? "intermediate" : "frail", itemPoints: items };
  }

  /* IMWG 2014 myeloma-defining events (Rajkumar 2014), with the paper's own
   * thresholds in each unit system. */
  var MDE_THRESHOLDS = {
    si: { calcium: 2.75, calciumAboveUln: 0.25, creatinine: 177, hb: 100, hbBelowLln: 20, flcInvolved: 100 },
    conventional: { calcium: 11, calciumAboveUln: 1, creatinine: 2, hb: 10, hbBelowLln: 2, flcInvolved: 10 }
  };
  var MDE_FIELDS = ["bmpc", "plasmacytoma", "calcium", "calciumUln", "crcl", "creatinine", "hb", "hbLln",
                    "lyticLesions", "flcInvolved", "flcUninvolved", "mriLesions"]
    .map(function (key) { return field(key, { optional: true }); });
  var MDE_EVENT_INPUTS = ["bmpc", "calcium", "crcl", "creatinine", "hb", "lyticLesions", "flcInvolved", "mriLesions"];

  function present(value) { return value !== null && value !== undefined && value !== ""; }

  function mde(inputs) {
    var units = system(inputs);
    var errors = validate(MDE_FIELDS, inputs, units);
    if (!errors.length && !MDE_EVENT_INPUTS.some(function (name) { return present(inputs[name]); })) {
      errors.push({ field: null, code: "nothing" });
    }
    var bothFlc = present(inputs.flcInvolved) && present(inputs.flcUninvolved);
    if (!errors.length && present(inputs.flcInvolved) !== present(inputs.flcUninvolved)) {
      errors.push({ field: present(inputs.flcInvolved) ? "flcUninvolved" : "flcInvolved", code: "pair" });
    }
    if (!errors.length && present(inputs.calciumUln) && !present(inputs.calcium)) {
      errors.push({ field: "calcium", code: "pair" });
    }
    if (!errors.length && present(inputs.hbLln) && !present(inputs.hb)) {
      errors.push({ field: "hb", code: "pair" });
    }
    if (errors.length) return failed(errors);

    var t = MDE_THRESHOLDS[units];
    var criteria = {};
    // C: calcium > ULN + 0.25 mmol/L (1 mg/dL) or > 2.75 mmol/L (11 mg/dL).
    if (!present(inputs.calcium)) criteria.C = { status: "not_assessed" };
    else if (gt(inputs.calcium, t.calcium)) criteria.C = { status: "met", via: "absolute" };
    else if (present(inputs.calciumUln) && gt(inputs.calcium - inputs.calciumUln, t.calciumAboveUln)) criteria.C = { status: "met", via: "above_uln" };
    else criteria.C = { status: "not_met", note: present(inputs.calciumUln) ? null : "no_uln" };
    // R: creatinine clearance < 40 mL/min or creatinine > 177 µmol/L (2 mg/dL).
    if (!present(inputs.crcl) && !present(inputs.creatinine)) criteria.R = { status: "not_assessed" };
    else if (present(inputs.crcl) && lt(inputs.crcl, 40)) criteria.R = { status: "met", via: "crcl" };
    else if (present(inputs.creatinine) && gt(inputs.creatinine, t.creatinine)) criteria.R = { status: "met", via: "creatinine" };
    else criteria.R = { status: "not_met", note: !present(inputs.crcl) ? "no_crcl" : !present(inputs.creatinine) ? "no_creatinine" : null };
    // A: haemoglobin > 20 g/L (2 g/dL) below the LLN, or < 100 g/L (10 g/dL).
    if (!present(inputs.hb)) criteria.A = { status: "not_assessed" };
    else if (lt(inputs.hb, t.hb)) criteria.A = { status: "met", via: "absolute" };
    else if (present(inputs.hbLln) && gt(inputs.hbLln - inputs.hb, t.hbBelowLln)) criteria.A = { status: "met", via: "below_lln" };
    else criteria.A = { status: "not_met", note: present(inputs.hbLln) ? null : "no_lln" };
    // B: one or more osteolytic lesions on skeletal radiography, CT or PET-CT;
    // with clonal marrow plasma cells < 10 %, more than one lesion is needed, so
    // that a solitary plasmacytoma with minimal marrow involvement is not
    // called myeloma (IMWG 2014). One lesion with no marrow value stays open.
    var lowMarrow = present(inputs.bmpc) && lt(inputs.bmpc, 10);
    if (!present(inputs.lyticLesions)) criteria.B = { status: "not_assessed" };
    else if (inputs.lyticLesions === 0) criteria.B = { status: "not_met" };
    else if (inputs.lyticLesions > 1) criteria.B = { status: "met" };
    else if (!present(inputs.bmpc)) criteria.B = { status: "undetermined", note: "single_lesion_no_marrow" };
    else if (lowMarrow) criteria.B = { status: "not_met", note: "single_lesion_low_marrow" };
    else criteria.B = { status: "met" };
    // S: clonal bone-marrow plasma cells ≥ 60 %.
    criteria.S = !present(inputs.bmpc) ? { status: "not_assessed" } : { status: ge(inputs.bmpc, 60) ? "met" : "not_met" };
    // Li: involved/uninvolved FLC ratio ≥ 100 with involved FLC ≥ 100 mg/L.
    var ratio = null;
    if (!bothFlc) criteria.Li = { status: "not_assessed" };
    else {
      ratio = inputs.flcInvolved / inputs.flcUninvolved;
      criteria.Li = { status: ge(ratio, 100) && ge(inputs.flcInvolved, t.flcInvolved) ? "met" : "not_met" };
    }
    // M: more than one focal lesion (each ≥ 5 mm) on MRI.
    criteria.M = !present(inputs.mriLesions) ? { status: "not_assessed" }
      : { status: inputs.mriLesions > 1 ? "met" : "not_met" };

    var order = ["C", "R", "A", "B", "S", "Li", "M"];
    var events = order.filter(function (k) { return criteria[k].status === "met"; });
    var notAssessed = order.filter(function (k) { return criteria[k].status === "not_assessed"; });
    var open = order.filter(function (k) { return criteria[k].status !== "met" && criteria[k].status !== "not_met"; });
    var clonal = inputs.plasmacytoma === true || (present(inputs.bmpc) && ge(inputs.bmpc, 10)) ? "met"
      : present(inputs.bmpc) ? "not_met" : "not_assessed";
    var definition = "undetermined";
    if (clonal === "met" && events.length) definition = "met";
    else if (clonal === "not_met" || (!events.length && !open.length)) definition = "not_met";
    // What the values describe instead: a biopsy-proven plasmacytoma, clonal
    // marrow plasma cells < 10 %, at most one bone lesion and no event among
    // the values entered is a solitary plasmacytoma (with minimal marrow
    // involvement when clonal cells are present), not myeloma.
    var alternative = null;
    if (inputs.plasmacytoma === true && lowMarrow && present(inputs.lyticLesions) && inputs.lyticLesions <= 1 &&
        !events.length) {
      alternative = gt(inputs.bmpc, 0) ? "solitary_minimal_marrow" : "solitary";
      definition = "not_met";
    }
    return { ok: true, units: units, criteria: criteria, events: events, notAssessed: notAssessed,
             flcRatio: ratio, clonal: clonal, definition: definition, alternative: alternative };
  }

  function creatinineMgDl(inputs) {
    return system(inputs) === "si" ? inputs.creatinine / CREAT_FACTOR : inputs.creatinine;
  }

  /* Cockcroft–Gault (1976): (140 − age) × weight / (72 × creatinine in
   * mg/dL), × 0.85 for women; creatinine clearance in mL/min. */
  var CG_FIELDS = [field("age"), field("sex"), field("weight"), field("creatinine")];
  function cockcroftGault(inputs) {
    var errors = validate(CG_FIELDS, inputs, system(inputs));
    if (errors.length) return failed(errors);
    var scr = creatinineMgDl(inputs);
    var crcl = (140 - inputs.age) * inputs.weight / (72 * scr) * (inputs.sex === "female" ? 0.85 : 1);
    return { ok: true, crcl: crcl, creatinineMgDl: scr, belowImwg: lt(crcl, 40) };
  }

  /* CKD-EPI 2021, race-free (Inker 2021): 142 × min(Scr/κ, 1)^α ×
   * max(Scr/κ, 1)^−1.200 × 0.9938^age × 1.012 if female; κ 0.7 (F) / 0.9 (M),
   * α −0.241 (F) / −0.302 (M); Scr in mg/dL; mL/min/1.73 m². */
  var CKD_FIELDS = [field("age"), field("sex"), field("creatinine")];
  function ckdEpi2021(inputs) {
    var errors = validate(CKD_FIELDS, inputs, system(inputs));
    if (errors.length) return failed(errors);
    var female = inputs.sex === "female";
    var kappa = female ? 0.7 : 0.9;
    var alpha = female ? -0.241 : -0.302;
    var scr = creatinineMgDl(inputs);
    var ratio = scr / kappa;
    var egfr = 142 * Math.pow(Math.min(ratio, 1), alpha) * Math.pow(Math.max(ratio, 1), -1.2) *
      Math.pow(0.9938, inputs.age) * (female ? 1.012 : 1);
    return { ok: true, egfr: egfr, creatinineMgDl: scr };
  }

  /* Albumin-adjusted calcium as published by Payne (1973), in conventional
   * units: calcium (mg/dL) − albumin (g/dL) + 4.0. SI values are converted
   * exactly (1 mmol/L = 4.008 mg/dL; 1 g/dL = 10 g/L) and back. */
  var CA_FIELDS = [field("calcium"), field("albumin")];
  function correctedCalcium(inputs) {
    var units = system(inputs);
    var errors = validate(CA_FIELDS, inputs, units);
    if (errors.length) return failed(errors);
    var caMgDl = units === "si" ? inputs.calcium / CA_FACTOR : inputs.calcium;
    var albGdl = units === "si" ? inputs.albumin / 10 : inputs.albumin;
    var adjustedMgDl = caMgDl - albGdl + 4.0;
    var adjusted = units === "si" ? adjustedMgDl * CA_FACTOR : adjustedMgDl;
    return { ok: true, units: units, corrected: adjusted,
             aboveImwg: gt(adjusted, MDE_THRESHOLDS[units].calcium) };
  }

  var CALCULATORS = {
    iss: { fields: ISS_FIELDS, compute: iss },
    riss: { fields: RISS_FIELDS, compute: riss },
    r2iss: { fields: R2ISS_FIELDS, compute: r2iss },
    frailty: { fields: FRAILTY_FIELDS, compute: frailty },
    mde: { fields: MDE_FIELDS, compute: mde, unitSwitch: true },
    "cockcroft-gault": { fields: CG_FIELDS, compute: cockcroftGault, unitSwitch: true },
    "ckd-epi-2021": { fields: CKD_FIELDS, compute: ckdEpi2021, unitSwitch: true },
    "corrected-calcium": { fields: CA_FIELDS, compute: correctedCalcium, unitSwitch: true }
  };

  /* ------------------------------------------------------------------ */
  /* Words, per language                                                  */
  /* ------------------------------------------------------------------ */

  /* Every word comes from the page language's catalogue, i18n/<language>.yml
   * (key javascript.calculators), which the build writes to
   * assets/javascripts/catalogue/<language>.js, loaded before this file, as
   * HandbookCatalogue[<language>] together with the locale's rules (CLDR):
   * decimal and thousands separators, the percent pattern and the locale
   * for Intl.PluralRules. To add a calculator's words, add them to every
   * catalogue. */
  var GLOBAL = typeof self !== "undefined" ? self : globalThis;

  function catalogue(lang) {
    var found = (GLOBAL.HandbookCatalogue || {})[lang];
    if (!found) throw new Error("calculators.js: no catalogue for the language '" + lang + "'");
    return found;
  }

  function words(lang) { return catalogue(lang).calculators; }

  var pluralRules = {};
  /* The CLDR plural category of a number as shown: "one", "few", "other"... */
  function pluralCategory(value, lang, decimals) {
    var key = lang + "/" + decimals;
    if (!pluralRules[key]) {
      pluralRules[key] = new Intl.PluralRules(catalogue(lang).locale, decimals === undefined ? {}
        : { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
    }
    return pluralRules[key].select(value);
  }

  /* A unit's name; a name that varies with the number (points, years) takes
   * the number's plural form, or "other" when no number goes with it. */
  function unitName(unit, lang, value) {
    var name = unit ? words(lang).units[unit] : "";
    if (name && typeof name === "object") {
      return name[value === undefined ? "other" : pluralCategory(value, lang)] || name.other;
    }
    return name || "";
  }

  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (all, key) {
      return values[key] === undefined || values[key] === null ? "" : String(values[key]);
    });
  }

  /* No thousands grouping: the values are small, and a grouped number
   * would read as a decimal in another language. */
  function formatNumber(value, lang, decimals) {
    var text = decimals === undefined ? String(Math.round(value * 1e6) / 1e6) : value.toFixed(decimals);
    return text.replace(".", catalogue(lang).decimal);
  }

  /* "4.2 mg/L", "3 points", "60%" in English; "4,2 mg/l", "3 točke", "60 %"
   * in Slovenian (the percent pattern is the locale's); "3" for a count. */
  function withUnit(value, unit, lang) {
    var name = unitName(unit, lang, value);
    if (!name) return formatNumber(value, lang);
    if (unit === "percent") return catalogue(lang).percent.replace("{n}", formatNumber(value, lang));
    return formatNumber(value, lang) + " " + name;
  }

  var ROMAN = { 1: "I", 2: "II", 3: "III", 4: "IV" };

  /* Turns an error object into a sentence in the page's language. */
  function errorMessage(error, lang, unitSwitch, rawText) {
    var s = words(lang);
    var label = error.field ? s.labels[error.field] : "";
    return fill(s.errors[error.code], {
      label: label, text: rawText || "",
      value: error.value !== undefined ? withUnit(error.value, error.unit, lang) : "",
      range: error.min !== undefined ? formatNumber(error.min, lang) + "–" + withUnit(error.max, error.unit, lang) : "",
      unit: unitName(error.unit, lang), other: unitName(error.otherUnit, lang),
      switchHint: unitSwitch ? s.errors.switchHint : ""
    }).replace(/\s+([.,)])/g, "$1");
  }

  /* ------------------------------------------------------------------ */
  /* DOM layer                                                            */
  /* ------------------------------------------------------------------ */

  var counter = 0;

  function el(doc, tag, attrs, text) {
    var node = doc.createElement(tag);
    for (var key in attrs || {}) {
      if (attrs[key] !== null && attrs[key] !== undefined) node.setAttribute(key, attrs[key]);
    }
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* The page loads its own language's catalogue only. */
  function pageLanguage(doc) {
    var lang = doc.documentElement.getAttribute("lang") || "";
    var loaded = Object.keys(GLOBAL.HandbookCatalogue || {});
    return loaded.indexOf(lang) !== -1 || loaded.length !== 1 ? lang : loaded[0];
  }

  function buildChoice(doc, lang, id, def, options) {
    var set = el(doc, "fieldset", { "class": "calculator__choice", "data-field": def.name });
    set.appendChild(el(doc, "legend", null, words(lang).labels[def.name] || def.name));
    options.forEach(function (option, index) {
      var label = el(doc, "label", { "class": "calculator__option" });
      var input = el(doc, "input", { type: "radio", name: id + "-" + def.name, value: option.value,
                                     id: id + "-" + def.name + "-" + index });
      if (option.checked) input.checked = true;
      label.appendChild(input);
      label.appendChild(doc.createTextNode(" " + option.label));
      set.appendChild(label);
    });
    set.appendChild(el(doc, "p", { "class": "calculator__error", id: id + "-" + def.name + "-error" }));
    return set;
  }

  function buildField(doc, lang, id, def, units) {
    var s = words(lang);
    if (def.kind === "yesno") {
      var answers = s.answers[def.name];
      return buildChoice(doc, lang, id, def, [{ value: "yes", label: answers.yes }, { value: "no", label: answers.no }]);
    }
    if (def.kind === "sex") {
      return buildChoice(doc, lang, id, def, [{ value: "female", label: s.female }, { value: "male", label: s.male }]);
    }
    var wrap = el(doc, "div", { "class": "calculator__field", "data-field": def.name });
    var inputId = id + "-" + def.name;
    if (def.kind === "checkbox") {
      var box = el(doc, "input", { type: "checkbox", id: inputId, name: def.name });
      var boxLabel = el(doc, "label", { "for": inputId, "class": "calculator__option" });
      boxLabel.appendChild(box);
      boxLabel.appendChild(doc.createTextNode(" " + s.labels[def.name]));
      wrap.appendChild(boxLabel);
      return wrap;
    }
    var label = el(doc, "label", { "for": inputId }, s.labels[def.name]);
    if (def.optional) label.appendChild(el(doc, "span", { "class": "calculator__optional" }, " (" + s.optional + ")"));
    wrap.appendChild(label);
    var line = el(doc, "span", { "class": "calculator__input" });
    var input = el(doc, "input", { type: "text", id: inputId, name: def.name, inputmode: "decimal",
                                   autocomplete: "off", spellcheck: "false",
                                   "aria-describedby": inputId + "-unit " + inputId + "-error" });
    line.appendChild(input);
    line.appendChild(el(doc, "span", { "class": "calculator__unit", id: inputId + "-unit" }, unitName(unitsOf(def, units), lang)));
    wrap.appendChild(line);
    wrap.appendChild(el(doc, "p", { "class": "calculator__error", id: inputId + "-error" }));
    return wrap;
  }

  function unitChoices(lang, kind) {
    var s = words(lang);
    if (kind === "cockcroft-gault" || kind === "ckd-epi-2021") {
      return [{ value: "si", label: s.creatSi, checked: true }, { value: "conventional", label: s.creatConventional }];
    }
    if (kind === "corrected-calcium") {
      return [{ value: "si", label: s.caSi, checked: true }, { value: "conventional", label: s.caConventional }];
    }
    return [{ value: "si", label: s.si, checked: true }, { value: "conventional", label: s.conventional }];
  }

  /* Reads the form into raw inputs for the pure function, plus parse errors. */
  function readForm(form, id, calc, lang) {
    var inputs = {};
    var errors = [];
    var raw = {};
    var unitRadio = form.querySelector('input[name="' + id + '-units"]:checked');
    inputs.units = unitRadio ? unitRadio.value : "si";
    calc.fields.forEach(function (def) {
      if (def.kind === "yesno" || def.kind === "sex") {
        var checked = form.querySelector('input[name="' + id + "-" + def.name + '"]:checked');
        inputs[def.name] = !checked ? null : def.kind === "sex" ? checked.value : checked.value === "yes";
      } else if (def.kind === "checkbox") {
        inputs[def.name] = form.querySelector("#" + id + "-" + def.name).checked;
      } else {
        var text = form.querySelector("#" + id + "-" + def.name).value;
        raw[def.name] = text;
        var parsed = parseNumber(text, lang);
        if (parsed.error) errors.push({ field: def.name, code: parsed.error });
        inputs[def.name] = parsed.error ? NaN : parsed.value;
      }
    });
    return { inputs: inputs, errors: errors, raw: raw };
  }

  function clearErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll(".calculator__error"), function (p) { p.textContent = ""; });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (node) { node.removeAttribute("aria-invalid"); });
  }

  /* "β2-microglobulin 4.2 mg/L; albumin 30 g/L; …": what produced the result. */
  function inputsSummary(calc, inputs, lang) {
    var s = words(lang);
    var parts = [];
    calc.fields.forEach(function (def) {
      var value = inputs[def.name];
      if (value === null || value === undefined) return;
      var shown;
      if (def.kind === "yesno") shown = s.answers[def.name][value ? "yes" : "no"];
      else if (def.kind === "sex") shown = s[value];
      else if (def.kind === "checkbox") { if (!value) return; shown = s.answers[def.name].yes; }
      else shown = withUnit(value, unitsOf(def, inputs.units === "conventional" ? "conventional" : "si"), lang);
      parts.push(s.labels[def.name] + ": " + shown);
    });
    return s.inputs + ": " + parts.join("; ") + ".";
  }

  function describe(kind, result, inputs, lang) {
    var s = words(lang);
    var t = s[kind];
    var lines = [];
    var verdict;
    if (kind === "iss") {
      verdict = fill(t.stage, { stage: ROMAN[result.stage] });
      lines.push(t[result.reason]);
    } else if (kind === "riss") {
      verdict = fill(t.stage, { stage: ROMAN[result.stage] });
      lines.push(t[result.stage]);
      lines.push(fill(t.detail, { iss: ROMAN[result.iss], fish: s.answers.highRiskFish[result.highRiskFish ? "yes" : "no"],
                                  ldh: s.answers.ldhHigh[result.ldhHigh ? "yes" : "no"] }));
    } else if (kind === "r2iss") {
      verdict = fill(t.stage, { group: ROMAN[result.group], name: t.names[result.group], points: withUnit(result.points, "points", lang) });
      var items = Object.keys(result.itemPoints).map(function (key) {
        return fill(t.items[key], { iss: ROMAN[result.iss] }) + " " + formatNumber(result.itemPoints[key], lang);
      });
      lines.push(fill(t.detail, { items: items.join(", ") }));
    } else if (kind === "frailty") {
      verdict = fill(t.stage, { score: result.score, name: t.names[result.group] });
      lines.push(fill(t.detail, { items: Object.keys(result.itemPoints).map(function (key) {
        return t.items[key] + " " + result.itemPoints[key];
      }).join(", ") }));
    } else if (kind === "mde") {
      verdict = result.alternative ? t.alternative[result.alternative] : t.definition[result.definition];
      if (result.events.length) {
        lines.push(fill(t.events, { list: result.events.map(function (k) {
          var via = result.criteria[k].via;
          return t.names[k] + (via ? " (" + t.via[via] + ")" : "");
        }).join("; ") }));
      } else {
        lines.push(t.none);
      }
      ["C", "R", "A", "B"].forEach(function (k) {
        var note = result.criteria[k].note;
        if (note) lines.push(t.notes[note]);
      });
      if (result.flcRatio !== null) lines.push(fill(t.ratio, { ratio: formatNumber(result.flcRatio, lang, 1) }));
      if (result.notAssessed.length) {
        lines.push(fill(t.notAssessed, { list: result.notAssessed.map(function (k) { return t.names[k]; }).join("; ") }));
        if (result.alternative) lines.push(t.alternativeOpen);
      }
      if (t.clonal[result.clonal]) lines.push(t.clonal[result.clonal]);
      lines.push(t.attribution);
    } else if (kind === "cockcroft-gault") {
      verdict = fill(t.result, { value: formatNumber(result.crcl, lang, 1) });
      lines.push(result.belowImwg ? t.below : t.above);
      if (inputs.units === "si") lines.push(fill(t.creat, { value: formatNumber(result.creatinineMgDl, lang, 2) }));
    } else if (kind === "ckd-epi-2021") {
      verdict = fill(t.result, { value: formatNumber(result.egfr, lang, 1) });
      lines.push(t.note);
      if (inputs.units === "si") lines.push(fill(t.creat, { value: formatNumber(result.creatinineMgDl, lang, 2) }));
    } else if (kind === "corrected-calcium") {
      var si = result.units === "si";
      var unit = unitName(si ? "mmol_l" : "mg_dl", lang);
      verdict = fill(t.result, { value: formatNumber(result.corrected, lang, si ? 2 : 1), unit: unit });
      lines.push(fill(result.aboveImwg ? t.above : t.notAbove,
                      { threshold: formatNumber(MDE_THRESHOLDS[result.units].calcium, lang), unit: unit }));
    }
    return { verdict: verdict, lines: lines };
  }

  function showResult(doc, region, verdict, lines, summary, isError) {
    region.textContent = "";
    region.appendChild(el(doc, "p", { "class": "calculator__verdict" + (isError ? " calculator__verdict--error" : "") }, verdict));
    if (lines.length) {
      var list = el(doc, "ul", { "class": "calculator__reasons" });
      lines.forEach(function (line) { list.appendChild(el(doc, "li", null, line)); });
      region.appendChild(list);
    }
    if (summary) region.appendChild(el(doc, "p", { "class": "calculator__inputs" }, summary));
  }

  function markInvalid(form, id, error, message) {
    var holder = form.querySelector('[data-field="' + error.field + '"]');
    if (!holder) return null;
    var errorText = holder.querySelector(".calculator__error");
    if (errorText) errorText.textContent = message;
    var controls = holder.querySelectorAll("input");
    Array.prototype.forEach.call(controls, function (control) {
      control.setAttribute("aria-invalid", "true");
      if (control.type === "radio") control.setAttribute("aria-describedby", errorText.id);
    });
    return controls[0] || null;
  }

  function enhance(container, doc) {
    var kind = container.getAttribute("data-calculator");
    var calc = CALCULATORS[kind];
    if (!calc || container.getAttribute("data-enhanced") === "true") return;
    container.setAttribute("data-enhanced", "true");
    var lang = pageLanguage(doc);
    var s = words(lang);
    var id = "calc-" + kind + "-" + (++counter);

    var form = el(doc, "form", { "class": "calculator__form", novalidate: "novalidate", "aria-labelledby": id + "-title" });
    form.appendChild(el(doc, "p", { "class": "calculator__title", id: id + "-title" }, s.calculator + ": " + s[kind].title));
    if (calc.unitSwitch) {
      var unitSet = buildChoice(doc, lang, id, { name: "units" }, unitChoices(lang, kind));
      unitSet.querySelector("legend").textContent = s.unitSystem;
      unitSet.classList.add("calculator__units");
      form.appendChild(unitSet);
    }
    calc.fields.forEach(function (def) { form.appendChild(buildField(doc, lang, id, def, "si")); });
    form.appendChild(el(doc, "p", { "class": "calculator__privacy" }, s.privacy));
    form.appendChild(el(doc, "button", { type: "submit", "class": "md-button md-button--primary calculator__submit" }, s.calculate));
    var region = el(doc, "div", { "class": "calculator__result", role: "status", "aria-live": "polite", "aria-atomic": "true" });
    form.appendChild(region);
    container.appendChild(form);

    // Units change: relabel the unit next to each field.
    Array.prototype.forEach.call(form.querySelectorAll('input[name="' + id + '-units"]'), function (radio) {
      radio.addEventListener("change", function () {
        calc.fields.forEach(function (def) {
          var unit = form.querySelector("#" + id + "-" + def.name + "-unit");
          if (unit) unit.textContent = unitName(unitsOf(def, radio.value), lang);
        });
      });
    });
    // A result must never outlive the values it was computed from.
    form.addEventListener("input", function () { region.textContent = ""; });
    form.addEventListener("change", function () { region.textContent = ""; });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors(form);
      var read = readForm(form, id, calc, lang);
      var result = read.errors.length ? failed(read.errors) : calc.compute(read.inputs);
      if (!result.ok) {
        var messages = [];
        var first = null;
        result.errors.forEach(function (error) {
          var message = errorMessage(error, lang, !!calc.unitSwitch, read.raw[error.field]);
          messages.push(message);
          var control = error.field ? markInvalid(form, id, error, message) : null;
          if (!first && control) first = control;
        });
        showResult(doc, region, s.cannot, messages, null, true);
        if (first) first.focus();
        return;
      }
      var text = describe(kind, result, read.inputs, lang);
      showResult(doc, region, text.verdict, text.lines, inputsSummary(calc, read.inputs, lang), false);
    });
  }

  function enhancePage(doc) {
    Array.prototype.forEach.call(doc.querySelectorAll(".calculator[data-calculator]"), function (container) {
      enhance(container, doc);
    });
  }

  /* Material re-renders the content on instant navigation; document$ tells us
   * when. Without it, the page is enhanced once when loaded. */
  function start(win) {
    if (!win || !win.document) return;
    if (win.document$ && typeof win.document$.subscribe === "function") {
      win.document$.subscribe(function () { enhancePage(win.document); });
    } else if (win.document.readyState === "loading") {
      win.document.addEventListener("DOMContentLoaded", function () { enhancePage(win.document); });
    } else {
      enhancePage(win.document);
    }
  }

  return {
    parseNumber: parseNumber,
    iss: iss, riss: riss, r2iss: r2iss, frailty: frailty, mde: mde,
    cockcroftGault: cockcroftGault, ckdEpi2021: ckdEpi2021, correctedCalcium: correctedCalcium,
    errorMessage: errorMessage, formatNumber: formatNumber, withUnit: withUnit,
    CALCULATORS: CALCULATORS, MDE_THRESHOLDS: MDE_THRESHOLDS,
    enhancePage: enhancePage, start: start
  };
});
