// A worker in plain JavaScript for receiver-workers.test.ts: forked without tsx, it speaks the protocol
// startReceiverWorkers expects (report the port, exit on disconnect) and answers every delivery with
// the Node options it was started with.
import { createServer } from 'node:http'

const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, execArgv: process.execArgv }))
})
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }))
process.on('disconnect', () => server.close(() => process.exit(0)))
