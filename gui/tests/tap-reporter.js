// Prints Playwright's results as TAP for tests/e2e/run.sh. A skipped test
// is not a pass: it is printed as "# untested: <title>: <reason>".
class TapReporter {
  constructor() { this.n = 0; this.untested = 0; }

  printsToStdio() { return true; }

  onTestEnd(test, result) {
    const title = test.titlePath().slice(2).join(' › ');
    if (result.status === 'skipped') {
      const why = test.annotations.filter((a) => a.type === 'skip').map((a) => a.description).join('; ');
      this.untested++;
      console.log(`# untested: ${title}: ${why || 'skipped'}`);
      return;
    }
    for (const a of test.annotations.filter((x) => x.type === 'untested')) console.log(`# untested: ${title}: ${a.description}`);
    this.n++;
    const ok = result.status === 'passed';
    console.log(`${ok ? 'ok' : 'not ok'} ${this.n} - ${title} (${(result.duration / 1000).toFixed(1)}s)`);
    if (!ok) {
      for (const e of result.errors) {
        for (const line of String(e.message || e.value || e).split('\n').slice(0, 25)) console.log('#   ' + line.replace(/\x1b\[[0-9;]*m/g, ''));
      }
    }
  }

  onError(error) {
    console.log('# error: ' + String(error.message || error).split('\n')[0]);
  }

  onEnd(result) {
    console.log(`1..${this.n}`);
    if (this.untested) console.log(`# ${this.untested} untested (the engine lacks their endpoints)`);
    console.log(`# playwright: ${result.status}`);
  }
}
module.exports = TapReporter;
