// Baseline for fan-out: a socket.io 4 server restricted to HTTP long-polling, broadcasting each
// message a sender emits to one room. Receivers join the room on connect.
import http from 'node:http'
import { Server } from 'socket.io'
import { notifyParent, serveParent } from '../lib/ipc.js'

const httpServer = http.createServer()
const io = new Server(httpServer, { transports: ['polling'], serveClient: false })
io.on('connection', (socket) => {
  if (socket.handshake.query.role === 'receiver') void socket.join('room')
  // The ack answers the sender as Parley's 201 does, so the sender knows each send landed.
  socket.on('msg', (text: string, ack?: () => void) => {
    io.to('room').emit('msg', text)
    ack?.()
  })
})
httpServer.listen(0, '127.0.0.1', () => notifyParent('listening', { port: (httpServer.address() as { port: number }).port }))
serveParent({ sockets: () => io.engine.clientsCount }, 30 * 60_000)
