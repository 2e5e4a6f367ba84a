package dev.setlist.relecloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.setlist.asl.StatesException;
import dev.setlist.server.http.ApiException;
import dev.setlist.server.http.Json;
import dev.setlist.server.sfn.Req;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.time.Instant;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Concert rules, seat labels and ticket images, without a server. */
class DomainTest {
    static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

    static Concert.Draft draft(Instant startsAt) {
        return new Concert.Draft("T", "A", "G", "V", "L", startsAt, 100, 10, null);
    }

    @Test
    void concertRules_acceptTheFuture_refuseThePastAndTheFarFuture() {
        ConcertRules.check(draft(NOW.plus(Duration.ofDays(1))), NOW);
        assertThatThrownBy(() -> ConcertRules.check(draft(NOW.minusSeconds(1)), NOW)).isInstanceOf(StatesException.class)
                .hasMessageContaining("past").satisfies(e -> assertThat(((StatesException) e).error())
                        .isEqualTo(ConcertRules.INVALID));
        assertThatThrownBy(() -> ConcertRules.check(draft(NOW.plus(Duration.ofDays(800))), NOW))
                .hasMessageContaining("two years");
    }

    @Test
    void concertShape_normalizesAndNamesTheBadField() {
        var ok = ConcertRules.shape(Req.of(Json.object().put("title", " Live ").put("artist", "A").put("genre", "G")
                .put("venue", "V").put("location", "L").put("startsAt", "2026-12-01T20:00:00Z").put("priceCents", 0)
                .put("capacity", 1)));
        assertThat(ok.path("title").asText()).isEqualTo("Live");
        assertThatThrownBy(() -> ConcertRules.shape(Req.of(ok.deepCopy().put("capacity", 100_001))))
                .isInstanceOf(ApiException.class).hasMessageContaining("capacity");
        assertThatThrownBy(() -> ConcertRules.shape(Req.of(ok.deepCopy().put("venue", "x".repeat(201)))))
                .hasMessageContaining("venue");
    }

    @Test
    void seatLabels_rowsOfTwenty() {
        assertThat(Store.Ticket.seatLabel(1)).isEqualTo("A-1");
        assertThat(Store.Ticket.seatLabel(20)).isEqualTo("A-20");
        assertThat(Store.Ticket.seatLabel(21)).isEqualTo("B-1");
        assertThat(Store.Ticket.seatLabel(26 * 20 + 1)).isEqualTo("AA-1");
        assertThat(Store.Ticket.seatLabel(27 * 20 + 5)).isEqualTo("AB-5");
    }

    @Test
    void ticketImage_isAPngWithADecodableQrCodeOfTheTicketNumber() throws Exception {
        Concert c = new Concert(1, "A Very Long Concert Title That Does Not Fit On The Ticket", "Artist", "Rock", "Venue",
                "City", NOW, 100, 10, 10, null, NOW);
        byte[] png = TicketImage.render("T-ABCDEFGHJK-7", c, "C-3", "Kim Lee <kim@example.com>");
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(img.getHeight()).isEqualTo(TicketImage.HEIGHT);
        assertThat(PurchaseFlowTest.decodeQr(img)).isEqualTo("T-ABCDEFGHJK-7");
    }
}
