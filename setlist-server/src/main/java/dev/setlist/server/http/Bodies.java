package dev.setlist.server.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

/**
 * Reads request bodies up to a limit: a larger one is a 413 before it is read whole. The
 * {@link Gate} reads every body once, under a deadline; handlers get that copy.
 */
public final class Bodies {
    private static final int CHUNK = 8192;

    private Bodies() {}

    /** The request's body (the copy the gate read), refused with 413 when larger than {@code max}. */
    public static byte[] read(Context ctx, int max) {
        if (Gate.hasBody(ctx)) {
            byte[] body = Gate.body(ctx);
            if (body.length > max) {
                throw tooLarge(body.length, max);
            }
            return body;
        }
        return readWithin(ctx, max, null);
    }

    /**
     * Reads the whole body within {@code deadline} (null: no deadline). A sender still sending when
     * it passes is answered 408 {@code RequestTimeout}; the connection's idle timeout ends a sender
     * that stops sending altogether.
     */
    static byte[] readWithin(Context ctx, int max, Duration deadline) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > max) {
            // A body a little over the limit is read and dropped first, so that the client, still
            // sending, is not cut off before it can read the 413; a far larger one is not read.
            if (declared <= 4L * max) {
                drain(ctx, declared, deadline);
            }
            throw tooLarge(declared, max);
        }
        long until = deadline == null ? Long.MAX_VALUE : System.nanoTime() + deadline.toNanos();
        try (InputStream in = ctx.req().getInputStream()) {
            int limit = declared >= 0 ? (int) declared : max + 1;
            byte[] buf = new byte[Math.min(limit, CHUNK)];
            int n = 0;
            while (n < limit) {
                if (n == buf.length) {
                    buf = java.util.Arrays.copyOf(buf, Math.min(limit, buf.length * 2));
                }
                int r = in.read(buf, n, buf.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
                if (System.nanoTime() > until && n < limit) {
                    throw slow(deadline);
                }
            }
            if (declared >= 0 && n == limit && in.read() >= 0 || n > max) {
                throw tooLarge(-1, max);
            }
            return n == buf.length ? buf : java.util.Arrays.copyOf(buf, n);
        } catch (IOException e) {
            if (System.nanoTime() > until || e instanceof java.io.InterruptedIOException
                    || e.getCause() instanceof java.util.concurrent.TimeoutException) {
                throw slow(deadline);
            }
            throw ApiException.badRequest("SerializationException", "The request body could not be read");
        }
    }

    private static void drain(Context ctx, long length, Duration deadline) {
        long until = deadline == null ? Long.MAX_VALUE : System.nanoTime() + deadline.toNanos();
        byte[] buf = new byte[CHUNK];
        try {
            InputStream in = ctx.req().getInputStream();
            long left = length;
            while (left > 0 && System.nanoTime() < until) {
                int r = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (r < 0) {
                    return;
                }
                left -= r;
            }
        } catch (IOException e) {
            // the client went away: nothing more to read
        }
    }

    private static ApiException slow(Duration deadline) {
        return new ApiException(408, "RequestTimeout", "The request body did not arrive"
                + (deadline == null ? " in time" : " within " + deadline.toSeconds() + " s") + "; send it faster or in a"
                + " smaller request");
    }

    private static ApiException tooLarge(long size, int max) {
        return new ApiException(413, "RequestEntityTooLargeException", "The request body "
                + (size >= 0 ? "of " + size + " bytes " : "") + "is larger than the limit of " + max + " bytes");
    }
}
