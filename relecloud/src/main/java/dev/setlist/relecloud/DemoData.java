package dev.setlist.relecloud;

import dev.setlist.server.auth.AuthStore;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sample data for the demo: three dozen concerts across venues, genres and the coming months,
 * a few customers, and one user per role with a known password. Loading it again adds nothing.
 */
public final class DemoData {
    /** The demo's sign-ins: user → (role, password). */
    public static final Map<String, String[]> USERS = users();

    private static Map<String, String[]> users() {
        Map<String, String[]> u = new LinkedHashMap<>();
        u.put("admin", new String[] {"administrator", "relecloud-admin"});
        u.put("pat", new String[] {"planner", "relecloud-planner"});
        u.put("ana", new String[] {"agent", "relecloud-agent"});
        u.put("sam", new String[] {"agent", "relecloud-agent2"});
        u.put("olu", new String[] {"operator", "relecloud-operator"});
        return u;
    }

    private static final String[][] VENUES = {
        {"Harbor Hall", "Seattle, WA"}, {"The Blue Door", "Chicago, IL"}, {"Riverside Arena", "Austin, TX"},
        {"Lumen Theater", "New York, NY"}, {"Pinewood Amphitheater", "Denver, CO"}, {"Sunset Pavilion", "Los Angeles, CA"},
        {"Old Mill Stage", "Portland, OR"}, {"Crescent Ballroom", "New Orleans, LA"},
    };
    private static final String[][] ACTS = {
        {"The Lanterns", "Indie", "Midnight Echoes"}, {"Marisol Vega", "Latin", "Corazón Tour"},
        {"Northbound", "Rock", "Highway Lights"}, {"Jules & the Tide", "Folk", "Salt and Cedar"},
        {"DJ Okapi", "Electronic", "Night Circuit"}, {"Clara Whitfield Trio", "Jazz", "Blue Hours"},
        {"Static Bloom", "Alternative", "Glass Gardens"}, {"Hollow Pines", "Country", "Back Roads"},
        {"Symphony of the Sound", "Classical", "Rachmaninoff Nights"}, {"Kofi Mensah", "Afrobeat", "Accra to Anywhere"},
        {"Neon Parade", "Pop", "Technicolor"}, {"Grey Wolves", "Metal", "Iron Moon"},
    };
    private static final String[][] CUSTOMERS = {
        {"kim.lee@example.com", "Kim Lee"}, {"raj.patel@example.com", "Raj Patel"},
        {"maria.garcia@example.com", "María García"}, {"tom.okafor@example.com", "Tom Okafor"},
        {"yuki.tanaka@example.com", "Yuki Tanaka"}, {"lena.schmidt@example.com", "Lena Schmidt"},
        {"sam.wright@example.com", "Sam Wright"}, {"ines.costa@example.com", "Inês Costa"},
    };

    private DemoData() {}

    /** Loads the sample data when there are no concerts yet; returns whether it did. */
    public static boolean load(Store store, AuthStore auth, Instant now) {
        List<String> existing = auth.listUsers().stream().map(AuthStore.User::name).toList();
        USERS.forEach((name, rolePassword) -> {
            if (!existing.contains(name)) {
                auth.createUser("demo", name, rolePassword[1]);
                auth.grant("demo", name, rolePassword[0], "*");
            }
        });
        if (!store.upcoming(Instant.EPOCH, 0, 1).isEmpty()) {
            return false;
        }
        Instant day = now.truncatedTo(ChronoUnit.DAYS);
        for (int i = 0; i < 36; i++) {
            String[] act = ACTS[i % ACTS.length];
            String[] venue = VENUES[(i * 5) % VENUES.length];
            Instant starts = day.plus(Duration.ofDays(2 + i * 3L + i % 4)).plus(Duration.ofHours(19 + i % 3));
            int capacity = new int[] {120, 250, 500, 800, 60}[i % 5];
            long price = 2500 + (i * 750L) % 9000;
            String title = act[2] + (i >= ACTS.length ? " " + (i / ACTS.length + 1) : "");
            store.addConcert(new Concert.Draft(title, act[0], act[1], venue[0], venue[1], starts, price, capacity,
                    act[0] + " brings " + act[2] + " to " + venue[0] + "."), "demo-" + i);
        }
        for (String[] c : CUSTOMERS) {
            store.findOrCreateCustomer(c[0], c[1]);
        }
        return true;
    }
}
