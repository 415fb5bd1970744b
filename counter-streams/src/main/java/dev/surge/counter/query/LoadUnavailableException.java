package dev.surge.counter.query;

/** The answer cannot be given correctly right now (rebalance, an owner not answering): the caller gets 503. */
public class LoadUnavailableException extends RuntimeException {
    public LoadUnavailableException(String message) {
        super(message, null, false, false);
    }
}
