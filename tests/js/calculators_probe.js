// Runs the handbook's calculator functions for tests/test_calculators.py.
// arguments: the catalogue scripts the build writes (assets/javascripts/catalogue/<language>.js,
// made by tests/conftest.py's catalogue_scripts from i18n/<language>.yml);
// stdin: JSON list of {"fn": name, "args": [...]}; stdout: JSON list of results
// (a thrown exception becomes {"exception": message}, so one bad case cannot hide the others).
"use strict";
const path = require("path");
for (const script of process.argv.slice(2)) require(path.resolve(script));
const calculators = require(path.join(__dirname, "..", "..", "overrides", "assets", "javascripts", "calculators.js"));

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const results = JSON.parse(input).map(({ fn, args }) => {
    try {
      if (typeof calculators[fn] !== "function") return { exception: `no function ${fn}` };
      const value = calculators[fn](...args);
      return value === undefined ? null : value;
    } catch (error) {
      return { exception: String(error && error.stack || error) };
    }
  });
  process.stdout.write(JSON.stringify(results));
});
