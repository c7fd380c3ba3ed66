// Reads [{rule, self}] as JSON on stdin and prints, for each, true when the CEL rule holds and otherwise
// the reason. The C++ corpus test builds the jobs (CRD defaults applied, one job per rule and value).
import {evaluate} from '@marcbachmann/cel-js'
import fs from 'node:fs'

const jobs = JSON.parse(fs.readFileSync(0, 'utf8'))
const results = jobs.map(({rule, self}) => {
  try {
    const r = evaluate(rule, {self})
    return r === true ? true : `rule returned ${JSON.stringify(r)}`
  } catch (e) {
    return `error: ${e.message}`
  }
})
process.stdout.write(JSON.stringify(results))
