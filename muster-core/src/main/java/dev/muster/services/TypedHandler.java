package dev.muster.services;

/**
 * A handler of objects: the request is decoded and the result encoded with the services' codec
 * ({@link ServiceCodec}, JSON through Jackson by default). See {@link ServiceHandler} for threads
 * and errors.
 */
@FunctionalInterface
public interface TypedHandler<Q, R> {
    R handle(Q request, CallContext context) throws Exception;
}
