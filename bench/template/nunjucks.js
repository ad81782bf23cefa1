// nunjucks.js - the peer of bench_template.c: renders bench/template/chat_prompt.jinja with
// bench/template/vars.json N times with the nunjucks package (compiled once, autoescape off as
// for a prompt), printing renders per second; writes the output for run.sh to compare.
// usage: node nunjucks.js [renders] [template] [vars.json] [output-file]
'use strict';
const fs = require('fs');
const nunjucks = require('nunjucks');

const n = parseInt(process.argv[2] || '200000', 10);
const tpath = process.argv[3] || 'bench/template/chat_prompt.jinja';
const vpath = process.argv[4] || 'bench/template/vars.json';
const opath = process.argv[5];

// Jinja drops one trailing newline of a template; nunjucks keeps it.
let src = fs.readFileSync(tpath, 'utf8');
if (src.endsWith('\n')) src = src.slice(0, -1);
const vars = JSON.parse(fs.readFileSync(vpath, 'utf8'));
const env = new nunjucks.Environment(null, { autoescape: false });
const tmpl = nunjucks.compile(src, env);

let out = tmpl.render(vars);
if (opath) fs.writeFileSync(opath, out);
for (let i = 0; i < n / 10; i++) tmpl.render(vars); // warm up the JIT
let total = 0;
const start = process.hrtime.bigint();
for (let i = 0; i < n; i++) {
  out = tmpl.render(vars);
  total += out.length;
}
const secs = Number(process.hrtime.bigint() - start) / 1e9;
const rate = n / secs;
console.log(`nunjucks: ${n} renders of ${Math.round(total / n)} chars in ${secs.toFixed(3)} s: ${rate.toFixed(0)} renders/s`);
console.log(`RATE ${rate.toFixed(0)}`);
