#!/usr/bin/env node
// The local DynamoDB engine: dynalite, answering this machine's programs only.
//
//   node devtools/local/dynalite_server.js --port 8001 --host 127.0.0.1 [--path .data/dynamodb]
//
// Same options as dynalite's own cli.js. dynalite answers every origin with
// Access-Control-Allow-Origin: *, so any web page the user visits could read
// and change the tables; and it answers any Host, so DNS rebinding reaches it
// too. SDKs and the aws CLI send neither an Origin header nor a preflight, so
// refusing both (and foreign Hosts) costs them nothing.
'use strict'

const dynalite = require('dynalite')
const minimist = require('minimist')

const argv = minimist(process.argv.slice(2), { alias: { debug: ['d'], verbose: ['v'] } })
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]']

if (argv.help || argv.h) {
  console.log([
    'Usage: node devtools/local/dynalite_server.js [--port <port>] [--host <address>] [--path <path>] [options]',
    '',
    "dynalite (a DynamoDB server) for this machine's programs: requests for a foreign Host,",
    'with an Origin header, or CORS preflights are refused with 403.',
    '',
    "Options: those of dynalite's cli (--ssl, --createTableMs, --deleteTableMs, --updateTableMs,",
    '--maxItemSizeKb, --verbose, --debug).',
  ].join('\n'))
  process.exit(0)
}

const port = argv.port === undefined ? 4567 : Number(argv.port)

function hostAllowed (host, listening) {
  if (typeof host !== 'string') return false
  const name = host.trim().toLowerCase()
  return LOOPBACK_NAMES.some((loopback) => name === loopback || name === `${loopback}:${listening}`)
}

function refuse (res, message) {
  const body = JSON.stringify({
    __type: 'com.amazonaws.dynamodb.v20120810#AccessDeniedException',
    message,
  })
  res.writeHead(403, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': Buffer.byteLength(body),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  })
  res.end(body)
}

function guard (handlers, server) {
  return function guarded (req, res) {
    if (!hostAllowed(req.headers.host, server.address().port)) {
      return refuse(res, 'this engine answers requests for this machine only (Host).')
    }
    if (req.headers.origin !== undefined || req.method === 'OPTIONS') {
      return refuse(res, 'this engine does not answer web pages (Origin or CORS preflight).')
    }
    for (const handler of handlers) handler.call(server, req, res)
  }
}

// The tables' files are their owner's alone (0600), as is the folder the stack makes for them.
process.umask(0o077)
const server = dynalite(argv)
const handlers = server.listeners('request')
server.removeAllListeners('request')
server.on('request', guard(handlers, server))
// Slow clients do not hold a connection for ever.
server.headersTimeout = 10000
server.requestTimeout = 30000

// Close the store before leaving, so the last writes reach the disk; as PID 1
// (a container) SIGINT would not even end the process by default.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    server.close(() => process.exit(0))
    server.closeIdleConnections()
    setTimeout(() => process.exit(0), 3000).unref()
  })
}

server.listen(port, argv.host || undefined, () => {
  const address = server.address()
  console.log('dynalite listening at: %s://%s:%s (this machine only)', argv.ssl ? 'https' : 'http',
    argv.host || 'localhost', address.port)
})
