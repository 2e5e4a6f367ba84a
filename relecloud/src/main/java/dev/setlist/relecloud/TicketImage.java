package dev.setlist.relecloud;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Draws a ticket as a PNG: the concert, its date and venue, the seat, the customer and a QR code
 * holding the ticket number (what the door scanner reads). Headless AWT; thread safe.
 */
public final class TicketImage {
    public static final int WIDTH = 720;
    public static final int HEIGHT = 280;
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("EEE d MMM yyyy, HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private TicketImage() {}

    public static byte[] render(String number, Concert concert, String seat, String customer) {
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            g.setColor(new Color(0x1f, 0x3a, 0x5f));
            g.fillRect(0, 0, 14, HEIGHT);
            g.setColor(new Color(0xcc, 0xd5, 0xe0));
            g.setStroke(new BasicStroke(2, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 6}, 0));
            g.drawLine(WIDTH - 270, 16, WIDTH - 270, HEIGHT - 16);
            g.setColor(new Color(0x1f, 0x3a, 0x5f));
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
            g.drawString("RELECLOUD · ADMIT ONE", 34, 34);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 26));
            g.drawString(fit(concert.title(), 26), 34, 74);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 18));
            g.drawString(fit(concert.artist(), 40), 34, 102);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
            g.drawString(WHEN.format(concert.startsAt()), 34, 140);
            g.drawString(fit(concert.venue() + ", " + concert.location(), 50), 34, 162);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 22));
            g.drawString("Seat " + seat, 34, 206);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
            g.drawString(fit(customer, 50), 34, 232);
            g.setColor(Color.DARK_GRAY);
            g.setFont(new Font(Font.MONOSPACED, Font.PLAIN, 12));
            g.drawString(number, 34, 258);
            drawQr(g, number, WIDTH - 250, 30, 220);
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void drawQr(Graphics2D g, String text, int x, int y, int size) {
        BitMatrix m;
        try {
            m = new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, size, size,
                    Map.of(EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M, EncodeHintType.MARGIN, 2));
        } catch (WriterException e) {
            throw new IllegalArgumentException("Cannot encode " + text + " as a QR code: " + e.getMessage(), e);
        }
        g.setColor(Color.WHITE);
        g.fillRect(x, y, m.getWidth(), m.getHeight());
        g.setColor(Color.BLACK);
        for (int i = 0; i < m.getWidth(); i++) {
            for (int j = 0; j < m.getHeight(); j++) {
                if (m.get(i, j)) {
                    g.fillRect(x + i, y + j, 1, 1);
                }
            }
        }
    }

    private static String fit(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
