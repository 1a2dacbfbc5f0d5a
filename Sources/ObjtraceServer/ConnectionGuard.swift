import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Per-connection limits enforced below the router, on the decoded HTTP parts:
///
/// - a **header deadline**: a connection must deliver a complete request head within `headerTimeout` of being
///   accepted (or of the previous response), so idle or trickling clients are closed;
/// - a **body deadline**: once the head arrived, the whole body must arrive within `bodyTimeout`;
/// - a **size cap**: a declared `Content-Length` above `maxBody` is answered 413 and the connection closed
///   without reading a byte of the body; a chunked body is cut off as soon as it passes the cap;
/// - responses carrying `Connection: close` close the connection once written (so an unread body is never
///   drained).
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let headerTimeout: TimeAmount
    private let bodyTimeout: TimeAmount
    private let maxBody: Int64
    private let refusalHeaders: HTTPFields
    private var timer: Scheduled<Void>?
    private var bodyBytes: Int64 = 0
    private var inRequest = false
    private var refusing = false
    private var closeAfterResponse = false

    init(headerTimeout: TimeAmount, bodyTimeout: TimeAmount, maxBody: Int64, refusalHeaders: HTTPFields) {
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.maxBody = maxBody
        self.refusalHeaders = refusalHeaders
    }

    private func arm(_ context: ChannelHandlerContext, _ amount: TimeAmount) {
        timer?.cancel()
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: amount) { channel.close(promise: nil) }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context, headerTimeout) }
    }

    func handlerRemoved(context: ChannelHandlerContext) { disarm() }

    func channelActive(context: ChannelHandlerContext) {
        arm(context, headerTimeout)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if refusing { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            inRequest = true
            bodyBytes = 0
            if let declared = head.headerFields[.contentLength].flatMap({ Int64($0) }), declared > maxBody {
                refuseTooLarge(context)
                return
            }
            arm(context, bodyTimeout)
        case .body(let buffer):
            bodyBytes += Int64(buffer.readableBytes)
            if bodyBytes > maxBody {
                refusing = true
                context.close(promise: nil)
                return
            }
        case .end:
            inRequest = false
            disarm()
        }
        context.fireChannelRead(data)
    }

    /// Answers 413 straight away and closes; the body is never read.
    private func refuseTooLarge(_ context: ChannelHandlerContext) {
        refusing = true
        disarm()
        var headers = refusalHeaders
        let body = ByteBuffer(string: #"{"error":"request: body too large"}"#)
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(body.readableBytes)
        headers[.connection] = "close"
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .contentTooLarge, headerFields: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let response):
            if response.headerFields[.connection]?.lowercased() == "close" { closeAfterResponse = true }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            if closeAfterResponse {
                let channel = context.channel
                let done = context.eventLoop.makePromise(of: Void.self)
                done.futureResult.whenComplete { _ in channel.close(promise: nil) }
                if let promise { done.futureResult.cascade(to: promise) }
                context.writeAndFlush(data, promise: done)
            } else {
                context.write(data, promise: promise)
                // The next request's head must arrive in time; a response sent before the body finished
                // keeps the body deadline running.
                if !inRequest { arm(context, headerTimeout) }
            }
        }
    }
}
