package dev.muster.services;

/**
 * Serves one service's calls. Runs on a virtual thread, one per call, never on an event loop, so
 * it may block. What it throws reaches the caller as a {@link RpcException} of kind
 * {@link RpcException.Kind#REMOTE} carrying the exception's class and message.
 */
@FunctionalInterface
public interface ServiceHandler {
    Reply handle(Request request, CallContext context) throws Exception;
}
