package dev.setlist.server.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;

/** Reads request bodies up to a limit: a larger one is a 413 before it is read whole. */
public final class Bodies {
    private Bodies() {}

    public static byte[] read(Context ctx, int max) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > max) {
            throw tooLarge(declared, max);
        }
        try (InputStream in = ctx.req().getInputStream()) {
            if (declared >= 0) {
                byte[] body = in.readNBytes((int) declared);
                if (in.read() >= 0) {
                    throw tooLarge(-1, max);
                }
                return body;
            }
            byte[] body = in.readNBytes(max + 1);
            if (body.length > max) {
                throw tooLarge(-1, max);
            }
            return body;
        } catch (IOException e) {
            throw ApiException.badRequest("SerializationException", "The request body could not be read: " + e.getMessage());
        }
    }

    private static ApiException tooLarge(long size, int max) {
        return new ApiException(413, "RequestEntityTooLargeException", "The request body "
                + (size >= 0 ? "of " + size + " bytes " : "") + "is larger than the limit of " + max + " bytes");
    }
}
