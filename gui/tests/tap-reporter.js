// Prints Playwright's results as TAP for tests/e2e/run.sh. Nothing in the
// GUI's suite may skip: a skipped test is printed as "not ok" and fails the
// run (onEnd's status), like any other failure.
class TapReporter {
  constructor() { this.n = 0; this.skipped = 0; }

  printsToStdio() { return true; }

  onTestEnd(test, result) {
    const title = test.titlePath().slice(2).join(' › ');
    this.n++;
    if (result.status === 'skipped') {
      const why = test.annotations.filter((a) => a.type === 'skip').map((a) => a.description).join('; ');
      this.skipped++;
      console.log(`not ok ${this.n} - ${title} (skipped: ${why || 'no reason given'})`);
      return;
    }
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
    const status = this.skipped ? 'failed' : result.status;
    if (this.skipped) console.log(`# ${this.skipped} skipped: a skip is a failure here`);
    console.log(`# playwright: ${status}`);
    return { status };
  }
}
module.exports = TapReporter;
