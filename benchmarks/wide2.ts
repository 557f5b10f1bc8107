import { loadCsv } from '@sd/csv'
for (let i = 0; i < 6; i++) { const t = performance.now(); const b = await loadCsv('/tmp/wide80k.csv', { cacheEnabled: false }).collect(); console.log(b.numColumns, (performance.now() - t).toFixed(0)) }
