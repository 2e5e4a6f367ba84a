package dev.setlist.relecloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.Clock;
import dev.setlist.asl.StatesException;
import dev.setlist.server.http.Json;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * Relecloud's tables: concerts and their seats, customers, purchases with their seat holds and
 * tickets, concert requests. Seat accounting is done in SQL so that no interleaving of requests
 * on any number of nodes can oversell: a hold takes seats with a conditional
 * {@code UPDATE … SET seats_left = seats_left - n WHERE seats_left >= n}, and giving seats back
 * is guarded by the hold's own status change, so it happens once. Transactions that lose a race
 * in the database (a serialization failure, a deadlock, H2's concurrent update) are retried.
 * Thread safe.
 */
public final class Store {
    public static final String SOLD_OUT = "Purchase.SoldOut";
    public static final String CONCERT_NOT_FOUND = "Purchase.ConcertNotFound";
    public static final String CONCERT_PAST = "Purchase.ConcertPast";
    public static final String HOLD_EXPIRED = "Purchase.HoldExpired";
    public static final String TRANSIENT = "Relecloud.Transient";

    private final DataSource ds;
    private final Clock clock;

    public Store(DataSource ds, Clock clock) {
        this.ds = ds;
        this.clock = clock;
    }

    /** Creates or upgrades the tables (Flyway, {@code db/relecloud}, own history table). */
    public Store migrate() {
        Flyway.configure().dataSource(ds).locations("classpath:db/relecloud").table("relecloud_schema_history")
                .baselineOnMigrate(true).baselineVersion("0").load().migrate();
        return this;
    }

    // ---- concerts ------------------------------------------------------------------------------

    private static final String CONCERT_COLUMNS = "id, title, artist, genre, venue, location, starts_at, price_cents,"
            + " capacity, seats_left, description, created_at";

    private static Concert concert(ResultSet rs) throws SQLException {
        return new Concert(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), Instant.ofEpochMilli(rs.getLong(7)), rs.getLong(8), rs.getInt(9), rs.getInt(10),
                rs.getString(11), Instant.ofEpochMilli(rs.getLong(12)));
    }

    /** Adds a concert; with a request id, adding it again returns the first one's id. */
    public long addConcert(Concert.Draft d, String requestId) {
        return tx(c -> {
            if (requestId != null) {
                List<Long> seen = query(c, "SELECT id FROM relecloud_concert WHERE request_id = ?", rs -> rs.getLong(1),
                        requestId);
                if (!seen.isEmpty()) {
                    return seen.get(0);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO relecloud_concert (title, artist, genre, venue,"
                    + " location, starts_at, price_cents, capacity, seats_left, last_seat, description, request_id,"
                    + " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
                bind(ps, d.title(), d.artist(), d.genre(), d.venue(), d.location(), d.startsAt().toEpochMilli(),
                        d.priceCents(), d.capacity(), d.capacity(), d.description(), requestId, now());
                ps.executeUpdate();
                try (ResultSet rs = ps.getGeneratedKeys()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    public Concert concert(long id) {
        return first(tx(c -> query(c, "SELECT " + CONCERT_COLUMNS + " FROM relecloud_concert WHERE id = ?",
                Store::concert, id)));
    }

    public List<Concert> concerts(List<Long> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        String marks = String.join(",", java.util.Collections.nCopies(ids.size(), "?"));
        List<Concert> found = tx(c -> query(c, "SELECT " + CONCERT_COLUMNS + " FROM relecloud_concert WHERE id IN ("
                + marks + ")", Store::concert, ids.toArray()));
        found.sort(Comparator.comparingInt(x -> ids.indexOf(x.id())));
        return found;
    }

    /** Concerts starting after {@code after}, soonest first. */
    public List<Concert> upcoming(Instant after, int offset, int limit) {
        return tx(c -> query(c, "SELECT " + CONCERT_COLUMNS + " FROM relecloud_concert WHERE starts_at > ?"
                + " ORDER BY starts_at, id OFFSET ? ROWS FETCH NEXT ? ROWS ONLY", Store::concert, after.toEpochMilli(),
                offset, limit));
    }

    public int countUpcoming(Instant after) {
        return tx(c -> query(c, "SELECT COUNT(*) FROM relecloud_concert WHERE starts_at > ?", rs -> rs.getInt(1),
                after.toEpochMilli())).get(0);
    }

    /** Every concert with an id above {@code afterId}, for the search index. */
    public List<Concert> concertsAfter(long afterId, int limit) {
        return tx(c -> query(c, "SELECT " + CONCERT_COLUMNS + " FROM relecloud_concert WHERE id > ? ORDER BY id"
                + " FETCH FIRST ? ROWS ONLY", Store::concert, afterId, limit));
    }

    public boolean concertExists(String artist, String venue, Instant startsAt) {
        return !tx(c -> query(c, "SELECT id FROM relecloud_concert WHERE LOWER(artist) = LOWER(?) AND LOWER(venue) ="
                + " LOWER(?) AND starts_at = ?", rs -> rs.getLong(1), artist, venue, startsAt.toEpochMilli())).isEmpty();
    }

    // ---- customers -----------------------------------------------------------------------------

    public record Customer(long id, String email, String name, Instant createdAt) {
        public ObjectNode json() {
            return Json.object().put("id", id).put("email", email).put("name", name).put("createdAt", createdAt.toString());
        }
    }

    private static Customer customer(ResultSet rs) throws SQLException {
        return new Customer(rs.getLong(1), rs.getString(2), rs.getString(3), Instant.ofEpochMilli(rs.getLong(4)));
    }

    /** The customer with this email, created when new; {@code created} tells which. */
    public record Found(Customer customer, boolean created) {}

    public Found findOrCreateCustomer(String email, String name) {
        String e = email.trim().toLowerCase(java.util.Locale.ROOT);
        for (int i = 0; ; i++) {
            Customer existing = customerByEmail(e);
            if (existing != null) {
                return new Found(existing, false);
            }
            try {
                tx(c -> update(c, "INSERT INTO relecloud_customer (email, name, created_at) VALUES (?, ?, ?)", e,
                        name.trim(), now()));
                return new Found(customerByEmail(e), true);
            } catch (IllegalStateException dup) {
                if (i > 2) {
                    throw dup;
                }
            }
        }
    }

    public Customer customerByEmail(String email) {
        return first(tx(c -> query(c, "SELECT id, email, name, created_at FROM relecloud_customer WHERE email = ?",
                Store::customer, email.trim().toLowerCase(java.util.Locale.ROOT))));
    }

    public Customer customer(long id) {
        return first(tx(c -> query(c, "SELECT id, email, name, created_at FROM relecloud_customer WHERE id = ?",
                Store::customer, id)));
    }

    public List<Customer> customersByEmailPrefix(String prefix, int limit) {
        String p = prefix.trim().toLowerCase(java.util.Locale.ROOT).replace("\\", "\\\\").replace("%", "\\%")
                .replace("_", "\\_") + "%";
        return tx(c -> query(c, "SELECT id, email, name, created_at FROM relecloud_customer WHERE email LIKE ? ESCAPE '\\'"
                + " ORDER BY email FETCH FIRST ? ROWS ONLY", Store::customer, p, limit));
    }

    // ---- purchases -----------------------------------------------------------------------------

    /** One line of a cart. */
    public record Item(long concertId, int quantity, long priceCents) {}

    /** The card of a purchase as Relecloud may keep it: the gateway's token, the last four digits, the brand. */
    public record Card(String token, String last4, String brand) {}

    public record Purchase(String id, String idempotencyKey, String requestHash, long customerId, List<Item> items,
                           long totalCents, String status, String error, String cause, String executionArn,
                           String createdBy, Instant createdAt, Instant updatedAt, Card card, String authorizationId) {}

    private static Purchase purchase(ResultSet rs) throws SQLException {
        List<Item> items = new ArrayList<>();
        try {
            for (JsonNode i : Json.MAPPER.readTree(rs.getString(5))) {
                items.add(new Item(i.path("concertId").asLong(), i.path("quantity").asInt(), i.path("priceCents").asLong()));
            }
        } catch (java.io.IOException e) {
            throw new SQLException("Unreadable purchase items", e);
        }
        return new Purchase(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), items, rs.getLong(6),
                rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10), rs.getString(11),
                Instant.ofEpochMilli(rs.getLong(12)), Instant.ofEpochMilli(rs.getLong(13)),
                new Card(rs.getString(14), rs.getString(15), rs.getString(16)), rs.getString(17));
    }

    private static final String PURCHASE_COLUMNS = "id, idempotency_key, request_hash, customer_id, items, total_cents,"
            + " status, error, cause, execution_arn, created_by, created_at, updated_at, card_token, card_last4,"
            + " card_brand, authorization_id";

    public static ArrayNode itemsJson(List<Item> items) {
        ArrayNode a = Json.array();
        items.forEach(i -> a.addObject().put("concertId", i.concertId()).put("quantity", i.quantity())
                .put("priceCents", i.priceCents()));
        return a;
    }

    /**
     * Records a purchase under its idempotency key, {@code PENDING} and bound to the execution
     * that will carry it out ({@code executionArn}, not started yet), or returns the one recorded
     * under it before ({@link Purchase#id()} tells which: a new one has the id given).
     */
    public Purchase createPurchase(String id, String key, String hash, long customerId, List<Item> items, String user,
                                   String executionArn, Card card) {
        long total = items.stream().mapToLong(i -> i.priceCents() * i.quantity()).sum();
        for (int i = 0; ; i++) {
            Purchase seen = purchaseByKey(key);
            if (seen != null) {
                return seen;
            }
            try {
                tx(c -> update(c, "INSERT INTO relecloud_purchase (" + PURCHASE_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?,"
                        + " 'PENDING', NULL, NULL, ?, ?, ?, ?, ?, ?, ?, NULL)", id, key, hash, customerId,
                        itemsJson(items).toString(), total, executionArn, user, now(), now(), card.token(), card.last4(),
                        card.brand()));
                return purchase(id);
            } catch (IllegalStateException dup) {
                if (i > 2) {
                    throw dup;
                }
            }
        }
    }

    public Purchase purchase(String id) {
        return first(tx(c -> query(c, "SELECT " + PURCHASE_COLUMNS + " FROM relecloud_purchase WHERE id = ?",
                Store::purchase, id)));
    }

    public Purchase purchaseByKey(String key) {
        return first(tx(c -> query(c, "SELECT " + PURCHASE_COLUMNS + " FROM relecloud_purchase WHERE idempotency_key = ?",
                Store::purchase, key)));
    }

    public List<Purchase> purchasesOf(long customerId, int limit) {
        return tx(c -> query(c, "SELECT " + PURCHASE_COLUMNS + " FROM relecloud_purchase WHERE customer_id = ? ORDER BY"
                + " created_at DESC FETCH FIRST ? ROWS ONLY", Store::purchase, customerId, limit));
    }

    /** The purchase's execution was started: PENDING becomes RUNNING (unless its first step did it already). */
    public void purchaseStarted(String id) {
        tx(c -> update(c, "UPDATE relecloud_purchase SET status = 'RUNNING', updated_at = ? WHERE id = ? AND status ="
                + " 'PENDING'", now(), id));
    }

    /**
     * Purchases still {@code PENDING} and unchanged since before {@code before}: the API recorded
     * them but may have stopped (a crash, an outage) before their execution started.
     */
    public List<Purchase> stalePending(Instant before, int limit) {
        return tx(c -> query(c, "SELECT " + PURCHASE_COLUMNS + " FROM relecloud_purchase WHERE status = 'PENDING' AND"
                + " updated_at < ? ORDER BY updated_at FETCH FIRST ? ROWS ONLY", Store::purchase, before.toEpochMilli(),
                limit));
    }

    /** Ends a pending or running purchase (once: a purchase already ended keeps its outcome). */
    public void endPurchase(String id, String status, String error, String cause) {
        tx(c -> update(c, "UPDATE relecloud_purchase SET status = ?, error = ?, cause = ?, updated_at = ? WHERE id = ? AND"
                + " status IN ('PENDING', 'RUNNING')", status, error, truncate(cause, 2000), now(), id));
    }

    // ---- purchases as their execution's steps see them -----------------------------------------

    public static final String PURCHASE_NOT_FOUND = "Purchase.NotFound";
    public static final String PURCHASE_WRONG_EXECUTION = "Purchase.WrongExecution";
    public static final String PURCHASE_WRONG_STATE = "Purchase.WrongState";
    private static final Set<String> BEFORE_SUCCESS = Set.of("PENDING", "RUNNING", "FAILED");

    /**
     * The purchase a step of {@code executionArn} may act on, locked for the step's transaction:
     * it exists (created by the API), is bound to this very execution, and is in one of the
     * statuses the step expects. Anything else is a request the step refuses.
     */
    private static Purchase claim(Connection c, String purchaseId, String executionArn, Set<String> expected, String step)
            throws SQLException {
        Purchase p = purchaseId == null || purchaseId.isEmpty() || purchaseId.length() > 16 ? null
                : first(query(c, "SELECT " + PURCHASE_COLUMNS + " FROM relecloud_purchase WHERE id = ? FOR UPDATE",
                        Store::purchase, purchaseId));
        if (p == null) {
            throw new StatesException(PURCHASE_NOT_FOUND, "No purchase " + abbreviate(purchaseId) + " was made through"
                    + " the API; " + step + " refused");
        }
        if (p.executionArn() == null || !p.executionArn().equals(executionArn)) {
            throw new StatesException(PURCHASE_WRONG_EXECUTION, "Purchase " + p.id() + " belongs to another execution; "
                    + step + " refused");
        }
        if (!expected.contains(p.status())) {
            throw new StatesException(PURCHASE_WRONG_STATE, "Purchase " + p.id() + " is " + p.status() + "; " + step
                    + " needs it " + String.join(" or ", new java.util.TreeSet<>(expected)));
        }
        return p;
    }

    /** Checks that a step of {@code executionArn} may act on the purchase (see {@link #claim}). */
    public Purchase claimPurchase(String purchaseId, String executionArn, Set<String> expected, String step) {
        return tx(c -> claim(c, purchaseId, executionArn, expected, step));
    }

    /**
     * The first step: marks the purchase RUNNING and holds its seats (its own items, at its own
     * prices) until {@code ttl} from now. Holding again changes nothing.
     */
    public Purchase reserve(String purchaseId, String executionArn, Duration ttl) {
        return tx(c -> {
            Purchase p = claim(c, purchaseId, executionArn, Set.of("PENDING", "RUNNING"), "holding seats");
            update(c, "UPDATE relecloud_purchase SET status = 'RUNNING', updated_at = ? WHERE id = ? AND status ="
                    + " 'PENDING'", now(), p.id());
            holdIn(c, p.id(), p.items(), ttl);
            return p;
        });
    }

    /** The purchase to authorize: RUNNING with every seat still held. */
    public Purchase toAuthorize(String purchaseId, String executionArn) {
        return tx(c -> {
            Purchase p = claim(c, purchaseId, executionArn, Set.of("RUNNING"), "authorizing the payment");
            requireHeld(c, p, "HELD");
            return p;
        });
    }

    /** Records the authorization the gateway made for the purchase (the same one again is harmless). */
    public void authorized(String purchaseId, String executionArn, String authorizationId) {
        tx(c -> {
            Purchase p = claim(c, purchaseId, executionArn, Set.of("RUNNING"), "recording the authorization");
            if (p.authorizationId() != null && !p.authorizationId().equals(authorizationId)) {
                throw new StatesException(PURCHASE_WRONG_STATE, "Purchase " + p.id() + " is authorized by "
                        + p.authorizationId() + " already");
            }
            return update(c, "UPDATE relecloud_purchase SET authorization_id = ?, updated_at = ? WHERE id = ?",
                    authorizationId, now(), p.id());
        });
    }

    /** The purchase to capture: RUNNING, authorized, with all its tickets issued. */
    public Purchase toCapture(String purchaseId, String executionArn) {
        return tx(c -> {
            Purchase p = claim(c, purchaseId, executionArn, Set.of("RUNNING"), "capturing the payment");
            requireIssued(c, p);
            return p;
        });
    }

    /** Marks the purchase SUCCEEDED (again harmlessly); returns it with its tickets. */
    public Purchase complete(String purchaseId, String executionArn) {
        return tx(c -> {
            Purchase p = claim(c, purchaseId, executionArn, Set.of("RUNNING", "SUCCEEDED"), "completing the purchase");
            if (p.status().equals("RUNNING")) {
                requireIssued(c, p);
                update(c, "UPDATE relecloud_purchase SET status = 'SUCCEEDED', updated_at = ? WHERE id = ? AND status ="
                        + " 'RUNNING'", now(), p.id());
            }
            return p;
        });
    }

    /** A compensation may act on a purchase of this execution that has not succeeded. */
    public Purchase toCompensate(String purchaseId, String executionArn, String step) {
        return claimPurchase(purchaseId, executionArn, BEFORE_SUCCESS, step);
    }

    /** Cancels the tickets this purchase issued (only a purchase of this execution that has not succeeded). */
    public void cancelTickets(String purchaseId, String executionArn) {
        tx(c -> {
            Purchase p = claim(c, purchaseId, executionArn, BEFORE_SUCCESS, "cancelling tickets");
            return update(c, "UPDATE relecloud_ticket SET status = 'CANCELLED' WHERE purchase_id = ?", p.id());
        });
    }

    /** Gives back the seats this purchase holds (only a purchase of this execution that has not succeeded). */
    public int release(String purchaseId, String executionArn) {
        return tx(c -> releaseIn(c, claim(c, purchaseId, executionArn, BEFORE_SUCCESS, "releasing seats").id()));
    }

    /** Fails the purchase of this execution with the reason for the agent. */
    public void fail(String purchaseId, String executionArn, String error, String cause) {
        tx(c -> {
            Purchase p = claim(c, purchaseId, executionArn, BEFORE_SUCCESS, "failing the purchase");
            return update(c, "UPDATE relecloud_purchase SET status = 'FAILED', error = ?, cause = ?, updated_at = ? WHERE"
                    + " id = ? AND status IN ('PENDING', 'RUNNING')", error, truncate(cause, 2000), now(), p.id());
        });
    }

    private static void requireHeld(Connection c, Purchase p, String status) throws SQLException {
        List<String> holds = query(c, "SELECT status FROM relecloud_hold WHERE purchase_id = ?", rs -> rs.getString(1),
                p.id());
        if (holds.isEmpty()) {
            throw new StatesException(PURCHASE_WRONG_STATE, "Purchase " + p.id() + " holds no seats");
        }
        if (holds.contains("RELEASED")) {
            throw new StatesException(HOLD_EXPIRED, "The seats held for purchase " + p.id() + " were released before"
                    + " the payment completed");
        }
        if (!holds.stream().allMatch(status::equals)) {
            throw new StatesException(PURCHASE_WRONG_STATE, "The seats of purchase " + p.id() + " are " + holds
                    + ", not " + status);
        }
    }

    private static void requireIssued(Connection c, Purchase p) throws SQLException {
        if (p.authorizationId() == null) {
            throw new StatesException(PURCHASE_WRONG_STATE, "Purchase " + p.id() + " has no authorized payment");
        }
        requireHeld(c, p, "CONFIRMED");
        int seats = p.items().stream().mapToInt(Item::quantity).sum();
        int issued = query(c, "SELECT COUNT(*) FROM relecloud_ticket WHERE purchase_id = ? AND status = 'ISSUED'",
                rs -> rs.getInt(1), p.id()).get(0);
        if (issued != seats) {
            throw new StatesException(PURCHASE_WRONG_STATE, "Purchase " + p.id() + " has " + issued + " tickets issued"
                    + " for " + seats + " seats");
        }
    }

    private static String abbreviate(String s) {
        return s == null ? "(none)" : s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }

    // ---- seats ---------------------------------------------------------------------------------

    /**
     * Holds the seats of every item until {@code ttl} from now, all or none. Holding again for a
     * purchase that holds them already changes nothing. Fails with {@code Purchase.SoldOut},
     * {@code Purchase.ConcertNotFound} or {@code Purchase.ConcertPast}.
     */
    public void hold(String purchaseId, List<Item> items, Duration ttl) {
        tx(c -> {
            holdIn(c, purchaseId, items, ttl);
            return null;
        });
    }

    private void holdIn(Connection c, String purchaseId, List<Item> items, Duration ttl) throws SQLException {
        List<Item> sorted = new ArrayList<>(items);
        sorted.sort(Comparator.comparingLong(Item::concertId)); // one lock order: no deadlocks between carts
        if (!query(c, "SELECT concert_id FROM relecloud_hold WHERE purchase_id = ?", rs -> rs.getLong(1), purchaseId)
                .isEmpty()) {
            return;
        }
        long now = now();
        for (Item i : sorted) {
            int taken = update(c, "UPDATE relecloud_concert SET seats_left = seats_left - ? WHERE id = ? AND"
                    + " seats_left >= ? AND starts_at > ?", i.quantity(), i.concertId(), i.quantity(), now);
            if (taken == 0) {
                throw whyNotHeld(c, i, now);
            }
            update(c, "INSERT INTO relecloud_hold (purchase_id, concert_id, quantity, status, expires_at) VALUES"
                    + " (?, ?, ?, 'HELD', ?)", purchaseId, i.concertId(), i.quantity(), now + ttl.toMillis());
        }
    }

    private static StatesException whyNotHeld(Connection c, Item i, long now) throws SQLException {
        List<long[]> row = query(c, "SELECT seats_left, starts_at FROM relecloud_concert WHERE id = ?",
                rs -> new long[] {rs.getLong(1), rs.getLong(2)}, i.concertId());
        if (row.isEmpty()) {
            return new StatesException(CONCERT_NOT_FOUND, "Concert " + i.concertId() + " does not exist");
        }
        if (row.get(0)[1] <= now) {
            return new StatesException(CONCERT_PAST, "Concert " + i.concertId() + " has already started");
        }
        return new StatesException(SOLD_OUT, "Concert " + i.concertId() + " has " + row.get(0)[0] + " seats left; "
                + i.quantity() + " were asked for");
    }

    /**
     * Gives back every seat the purchase still holds or bought (a hold is released once, whoever
     * releases it: compensation or expiry) and cancels its tickets. Returns the seats given back.
     */
    public int release(String purchaseId) {
        return tx(c -> releaseIn(c, purchaseId));
    }

    private static int releaseIn(Connection c, String purchaseId) throws SQLException {
        update(c, "UPDATE relecloud_ticket SET status = 'CANCELLED' WHERE purchase_id = ?", purchaseId);
        int seats = 0;
        for (long[] h : query(c, "SELECT concert_id, quantity FROM relecloud_hold WHERE purchase_id = ? AND status <>"
                + " 'RELEASED' ORDER BY concert_id", rs -> new long[] {rs.getLong(1), rs.getLong(2)}, purchaseId)) {
            seats += releaseOne(c, purchaseId, h[0], (int) h[1]);
        }
        return seats;
    }

    private static int releaseOne(Connection c, String purchaseId, long concertId, int quantity) throws SQLException {
        if (update(c, "UPDATE relecloud_hold SET status = 'RELEASED' WHERE purchase_id = ? AND concert_id = ? AND status"
                + " <> 'RELEASED'", purchaseId, concertId) == 0) {
            return 0;
        }
        update(c, "UPDATE relecloud_concert SET seats_left = seats_left + ? WHERE id = ?", quantity, concertId);
        return quantity;
    }

    /** Releases holds that expired before their tickets were issued; returns how many. */
    public int releaseExpiredHolds() {
        List<String[]> expired = tx(c -> query(c, "SELECT purchase_id, concert_id, quantity FROM relecloud_hold WHERE"
                + " status = 'HELD' AND expires_at < ? FETCH FIRST 100 ROWS ONLY",
                rs -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3)}, now()));
        int n = 0;
        for (String[] h : expired) {
            n += tx(c -> update(c, "UPDATE relecloud_hold SET status = 'RELEASED' WHERE purchase_id = ? AND concert_id = ?"
                    + " AND status = 'HELD' AND expires_at < ?", h[0], Long.parseLong(h[1]), now()) == 0 ? 0
                    : update(c, "UPDATE relecloud_concert SET seats_left = seats_left + ? WHERE id = ?",
                            Integer.parseInt(h[2]), Long.parseLong(h[1])));
        }
        return n;
    }

    // ---- tickets -------------------------------------------------------------------------------

    public record Ticket(String number, String purchaseId, long concertId, long customerId, int seat, String status,
                         boolean hasImage, Instant createdAt) {
        public String seatLabel() {
            return seatLabel(seat);
        }

        /** Rows of 20 seats: 1 → A-1, 21 → B-1, … after Z, AA, AB… */
        public static String seatLabel(int seat) {
            int row = (seat - 1) / 20;
            String letters = row < 26 ? String.valueOf((char) ('A' + row))
                    : String.valueOf((char) ('A' + row / 26 - 1)) + (char) ('A' + row % 26);
            return letters + "-" + ((seat - 1) % 20 + 1);
        }
    }

    private static Ticket ticket(ResultSet rs) throws SQLException {
        return new Ticket(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getInt(5), rs.getString(6),
                rs.getBoolean(7), Instant.ofEpochMilli(rs.getLong(8)));
    }

    private static final String TICKET_COLUMNS = "number, purchase_id, concert_id, customer_id, seat, status,"
            + " image IS NOT NULL, created_at";

    /**
     * Confirms the purchase's holds and issues one ticket per seat, numbered
     * {@code T-<purchase>-<n>}, with the next free seat numbers of each concert. Issuing again
     * returns the tickets issued the first time. Fails with {@code Purchase.HoldExpired} when a
     * hold was released meanwhile. Only for a RUNNING, authorized purchase of this execution, to
     * the purchase's own customer.
     */
    public List<Ticket> issueTickets(String purchaseId, String executionArn) {
        return tx(c -> {
            Purchase p = claim(c, purchaseId, executionArn, Set.of("RUNNING"), "issuing tickets");
            if (p.authorizationId() == null) {
                throw new StatesException(PURCHASE_WRONG_STATE, "Purchase " + p.id() + " has no authorized payment");
            }
            return issueIn(c, p.id(), p.customerId());
        });
    }

    /** Issues the tickets of the seats held under {@code purchaseId} (seat accounting alone, for tests). */
    List<Ticket> issueSeats(String purchaseId, long customerId) {
        return tx(c -> issueIn(c, purchaseId, customerId));
    }

    private List<Ticket> issueIn(Connection c, String purchaseId, long customerId) throws SQLException {
        {
            List<Ticket> issued = query(c, "SELECT " + TICKET_COLUMNS + " FROM relecloud_ticket WHERE purchase_id = ?"
                    + " ORDER BY number", Store::ticket, purchaseId);
            if (!issued.isEmpty()) {
                return issued;
            }
            List<long[]> holds = query(c, "SELECT concert_id, quantity FROM relecloud_hold WHERE purchase_id = ? ORDER BY"
                    + " concert_id", rs -> new long[] {rs.getLong(1), rs.getLong(2)}, purchaseId);
            if (holds.isEmpty()) {
                throw new StatesException(HOLD_EXPIRED, "Purchase " + purchaseId + " holds no seats");
            }
            int n = 0;
            long now = now();
            for (long[] h : holds) {
                if (update(c, "UPDATE relecloud_hold SET status = 'CONFIRMED' WHERE purchase_id = ? AND concert_id = ? AND"
                        + " status = 'HELD'", purchaseId, h[0]) == 0) {
                    throw new StatesException(HOLD_EXPIRED, "The seats held for concert " + h[0]
                            + " were released before the payment completed");
                }
                update(c, "UPDATE relecloud_concert SET last_seat = last_seat + ? WHERE id = ?", h[1], h[0]);
                int last = query(c, "SELECT last_seat FROM relecloud_concert WHERE id = ?", rs -> rs.getInt(1), h[0]).get(0);
                for (int s = last - (int) h[1] + 1; s <= last; s++) {
                    update(c, "INSERT INTO relecloud_ticket (number, purchase_id, concert_id, customer_id, seat, status,"
                            + " created_at) VALUES (?, ?, ?, ?, ?, 'ISSUED', ?)", "T-" + purchaseId + "-" + (++n),
                            purchaseId, h[0], customerId, s, now);
                }
            }
            return query(c, "SELECT " + TICKET_COLUMNS + " FROM relecloud_ticket WHERE purchase_id = ? ORDER BY number",
                    Store::ticket, purchaseId);
        }
    }

    public List<Ticket> ticketsOfPurchase(String purchaseId) {
        return tx(c -> query(c, "SELECT " + TICKET_COLUMNS + " FROM relecloud_ticket WHERE purchase_id = ? ORDER BY"
                + " created_at, number", Store::ticket, purchaseId));
    }

    public List<Ticket> ticketsOfCustomer(long customerId) {
        return tx(c -> query(c, "SELECT " + TICKET_COLUMNS + " FROM relecloud_ticket WHERE customer_id = ? AND status ="
                + " 'ISSUED' ORDER BY created_at DESC, number FETCH FIRST 500 ROWS ONLY", Store::ticket, customerId));
    }

    public Ticket ticket(String number) {
        return first(tx(c -> query(c, "SELECT " + TICKET_COLUMNS + " FROM relecloud_ticket WHERE number = ?",
                Store::ticket, number)));
    }

    public static final String TICKET_NOT_FOUND = "Ticket.NotFound";
    public static final String TICKET_WRONG_STATE = "Ticket.WrongState";

    /** A ticket whose image may be rendered: it exists, is ISSUED, and its purchase SUCCEEDED. */
    public Ticket ticketToRender(String number) {
        return tx(c -> {
            Ticket t = number == null || number.isEmpty() || number.length() > 40 ? null
                    : first(query(c, "SELECT " + TICKET_COLUMNS + " FROM relecloud_ticket WHERE number = ?", Store::ticket,
                            number));
            if (t == null) {
                throw new StatesException(TICKET_NOT_FOUND, "No ticket " + abbreviate(number) + " was issued");
            }
            String purchase = first(query(c, "SELECT status FROM relecloud_purchase WHERE id = ?", rs -> rs.getString(1),
                    t.purchaseId()));
            if (!t.status().equals("ISSUED") || !"SUCCEEDED".equals(purchase)) {
                throw new StatesException(TICKET_WRONG_STATE, "Ticket " + t.number() + " is " + t.status() + " and its"
                        + " purchase " + purchase + "; only issued tickets of a completed purchase are rendered");
            }
            return t;
        });
    }

    public void attachImage(String number, byte[] png) {
        tx(c -> update(c, "UPDATE relecloud_ticket SET image = ? WHERE number = ?",
                java.util.Base64.getEncoder().encodeToString(png), number));
    }

    public byte[] image(String number) {
        String b64 = first(tx(c -> query(c, "SELECT image FROM relecloud_ticket WHERE number = ?", rs -> rs.getString(1),
                number)));
        return b64 == null ? null : java.util.Base64.getDecoder().decode(b64);
    }

    // ---- pending voids -------------------------------------------------------------------------

    public void queueVoid(String purchaseId) {
        tx(c -> query(c, "SELECT purchase_id FROM relecloud_pending_void WHERE purchase_id = ?", rs -> 1, purchaseId)
                .isEmpty() ? update(c, "INSERT INTO relecloud_pending_void (purchase_id, attempts, next_at) VALUES (?, 0,"
                + " ?)", purchaseId, now() + 2000) : 0);
    }

    public List<String> dueVoids() {
        return tx(c -> query(c, "SELECT purchase_id FROM relecloud_pending_void WHERE next_at <= ? FETCH FIRST 20 ROWS"
                + " ONLY", rs -> rs.getString(1), now()));
    }

    public void voidDone(String purchaseId) {
        tx(c -> update(c, "DELETE FROM relecloud_pending_void WHERE purchase_id = ?", purchaseId));
    }

    public void voidLater(String purchaseId) {
        tx(c -> update(c, "UPDATE relecloud_pending_void SET attempts = attempts + 1, next_at = ? + 1000 * LEAST(60,"
                + " 2 * (attempts + 1)) WHERE purchase_id = ?", now(), purchaseId));
    }

    // ---- concert requests ----------------------------------------------------------------------

    public record Request(String id, String status, JsonNode payload, Long concertId, String error, String cause,
                          String executionArn, String requestedBy, Instant createdAt, Instant updatedAt) {
        public ObjectNode json() {
            ObjectNode o = Json.object().put("requestId", id).put("status", status);
            if (concertId != null) {
                o.put("concertId", concertId);
            }
            Json.opt(o, "error", error);
            Json.opt(o, "cause", cause);
            Json.opt(o, "executionArn", executionArn);
            o.put("requestedBy", requestedBy).put("createdAt", createdAt.toString()).put("updatedAt", updatedAt.toString());
            o.set("concert", payload);
            return o;
        }
    }

    private static Request request(ResultSet rs) throws SQLException {
        try {
            long concert = rs.getLong(4);
            return new Request(rs.getString(1), rs.getString(2), Json.MAPPER.readTree(rs.getString(3)),
                    rs.wasNull() ? null : concert, rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
                    Instant.ofEpochMilli(rs.getLong(9)), Instant.ofEpochMilli(rs.getLong(10)));
        } catch (java.io.IOException e) {
            throw new SQLException("Unreadable concert request", e);
        }
    }

    private static final String REQUEST_COLUMNS = "id, status, payload, concert_id, error, cause, execution_arn,"
            + " requested_by, created_at, updated_at";

    public void addRequest(String id, JsonNode payload, String user) {
        tx(c -> update(c, "INSERT INTO relecloud_concert_request (" + REQUEST_COLUMNS + ") VALUES (?, 'PENDING', ?, NULL,"
                + " NULL, NULL, NULL, ?, ?, ?)", id, payload.toString(), user, now(), now()));
    }

    public Request request(String id) {
        return first(tx(c -> query(c, "SELECT " + REQUEST_COLUMNS + " FROM relecloud_concert_request WHERE id = ?",
                Store::request, id)));
    }

    public List<Request> requestsOf(String user, int limit) {
        return tx(c -> query(c, "SELECT " + REQUEST_COLUMNS + " FROM relecloud_concert_request WHERE requested_by = ?"
                + " ORDER BY created_at DESC FETCH FIRST ? ROWS ONLY", Store::request, user, limit));
    }

    /** The API could not queue the request: it fails at once (no execution will act on it). */
    public void requestNotAccepted(String id, String cause) {
        tx(c -> update(c, "UPDATE relecloud_concert_request SET status = 'FAILED', error = 'Concert.NotAccepted',"
                + " cause = ?, updated_at = ? WHERE id = ? AND status = 'PENDING' AND execution_arn IS NULL",
                truncate(cause, 2000), now(), id));
    }

    public static final String REQUEST_NOT_FOUND = "ConcertRequest.NotFound";
    public static final String REQUEST_WRONG_EXECUTION = "ConcertRequest.WrongExecution";
    public static final String REQUEST_WRONG_STATE = "ConcertRequest.WrongState";

    /**
     * The concert request a step of {@code executionArn} may act on, locked: it exists (made
     * through the API), is bound to this execution (the first execution to act on a PENDING
     * request binds it) and is in a status the step expects.
     */
    private Request claimRequest(Connection c, String id, String executionArn, Set<String> expected, String step)
            throws SQLException {
        Request r = id == null || id.isEmpty() || id.length() > 64 ? null
                : first(query(c, "SELECT " + REQUEST_COLUMNS + " FROM relecloud_concert_request WHERE id = ? FOR UPDATE",
                        Store::request, id));
        if (r == null) {
            throw new StatesException(REQUEST_NOT_FOUND, "No concert request " + abbreviate(id) + " was made through the"
                    + " API; " + step + " refused");
        }
        if (r.executionArn() != null && !r.executionArn().equals(executionArn)) {
            throw new StatesException(REQUEST_WRONG_EXECUTION, "Concert request " + r.id() + " belongs to another"
                    + " execution; " + step + " refused");
        }
        if (!expected.contains(r.status())) {
            throw new StatesException(REQUEST_WRONG_STATE, "Concert request " + r.id() + " is " + r.status() + "; "
                    + step + " needs it " + String.join(" or ", new java.util.TreeSet<>(expected)));
        }
        if (r.executionArn() == null) {
            update(c, "UPDATE relecloud_concert_request SET status = 'RUNNING', execution_arn = ?, updated_at = ? WHERE"
                    + " id = ?", executionArn, now(), r.id());
            r = new Request(r.id(), "RUNNING", r.payload(), r.concertId(), r.error(), r.cause(), executionArn,
                    r.requestedBy(), r.createdAt(), r.updatedAt());
        }
        return r;
    }

    /** Binds the request to this execution and marks it RUNNING; returns it (its concert is the payload). */
    public Request requestRunning(String id, String executionArn) {
        return tx(c -> claimRequest(c, id, executionArn, Set.of("PENDING", "RUNNING"), "validating the concert"));
    }

    /** Adds the request's own concert (once per request) for the execution that runs it. */
    public long persistRequested(String id, String executionArn, java.util.function.Function<JsonNode, Concert.Draft> draft) {
        Request r = tx(c -> claimRequest(c, id, executionArn, Set.of("RUNNING"), "creating the concert"));
        return addConcert(draft.apply(r.payload()), r.id());
    }

    /** The concert created for the request (by its request id), or null. */
    public Long concertOfRequest(String id) {
        return first(tx(c -> query(c, "SELECT id FROM relecloud_concert WHERE request_id = ?", rs -> rs.getLong(1), id)));
    }

    /** Ends the request SUCCEEDED with the concert created for it; returns that concert's id. */
    public long requestSucceeded(String id, String executionArn) {
        return tx(c -> {
            Request r = claimRequest(c, id, executionArn, Set.of("RUNNING", "SUCCEEDED"), "publishing the concert");
            List<Long> concert = query(c, "SELECT id FROM relecloud_concert WHERE request_id = ?", rs -> rs.getLong(1),
                    r.id());
            if (concert.isEmpty()) {
                throw new StatesException(REQUEST_WRONG_STATE, "No concert was created for request " + r.id());
            }
            update(c, "UPDATE relecloud_concert_request SET status = 'SUCCEEDED', concert_id = ?, error = NULL, cause ="
                    + " NULL, updated_at = ? WHERE id = ?", concert.get(0), now(), r.id());
            return concert.get(0);
        });
    }

    /** Fails the request of this execution with its reason (a request that succeeded keeps its outcome). */
    public void requestFailed(String id, String executionArn, String error, String cause) {
        tx(c -> {
            Request r = claimRequest(c, id, executionArn, Set.of("PENDING", "RUNNING", "FAILED"), "rejecting the request");
            return update(c, "UPDATE relecloud_concert_request SET status = 'FAILED', error = ?, cause = ?, updated_at = ?"
                    + " WHERE id = ? AND status <> 'SUCCEEDED'", error, truncate(cause, 2000), now(), r.id());
        });
    }

    // ---- invariants (tests and the proving ground) ---------------------------------------------

    /**
     * Problems with the seat accounting, empty when it holds: per concert, seats left plus seats
     * held or sold equal the capacity, and no seat is sold twice.
     */
    public List<String> checkSeats() {
        return tx(c -> {
            List<String> problems = new ArrayList<>();
            problems.addAll(query(c, "SELECT c.id, c.capacity, c.seats_left, COALESCE(SUM(h.quantity), 0) FROM"
                    + " relecloud_concert c LEFT JOIN relecloud_hold h ON h.concert_id = c.id AND h.status <> 'RELEASED'"
                    + " GROUP BY c.id, c.capacity, c.seats_left HAVING c.seats_left + COALESCE(SUM(h.quantity), 0) <>"
                    + " c.capacity", rs -> "concert " + rs.getLong(1) + ": capacity " + rs.getInt(2) + " but "
                    + rs.getInt(3) + " left and " + rs.getLong(4) + " held or sold"));
            problems.addAll(query(c, "SELECT c.id, COUNT(*) FROM relecloud_ticket t JOIN relecloud_concert c ON c.id ="
                    + " t.concert_id WHERE t.status = 'ISSUED' GROUP BY c.id, c.capacity HAVING COUNT(*) > c.capacity",
                    rs -> "concert " + rs.getLong(1) + ": " + rs.getLong(2) + " tickets issued over its capacity"));
            return problems;
        });
    }

    // ---- plumbing ------------------------------------------------------------------------------

    private long now() {
        return clock.now().toEpochMilli();
    }

    private static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }

    private static <T> T first(List<T> rows) {
        return rows.isEmpty() ? null : rows.get(0);
    }

    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    @FunctionalInterface
    interface Row<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /**
     * Runs the work in one transaction, again when the database says it lost a race (up to 8
     * times). A {@link StatesException} rolls back and passes through; any other database
     * failure becomes an {@link IllegalStateException} (unreachable database:
     * {@link Unavailable}).
     */
    <T> T tx(Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                try {
                    T result = work.run(c);
                    c.commit();
                    return result;
                } catch (SQLException | RuntimeException e) {
                    try {
                        c.rollback();
                    } catch (SQLException ignored) {
                        // the connection is broken; the pool replaces it
                    }
                    throw e;
                } finally {
                    try {
                        c.setAutoCommit(true);
                    } catch (SQLException ignored) {
                        // as above
                    }
                }
            } catch (SQLException e) {
                if (retryable(e) && attempt < 8) {
                    sleepJitter(attempt);
                    continue;
                }
                if (unreachable(e)) {
                    throw new Unavailable(e);
                }
                throw new IllegalStateException("Database error: " + e.getMessage(), e);
            }
        }
    }

    /** The database cannot be reached: callers answer 503, tasks retry. */
    public static final class Unavailable extends RuntimeException {
        Unavailable(SQLException e) {
            super("The database is unavailable: " + e.getMessage(), e);
        }
    }

    private static boolean retryable(SQLException e) {
        String state = e.getSQLState();
        int code = e.getErrorCode();
        return "40001".equals(state) || "40P01".equals(state) || code == 90131 || code == 40001 || code == 50200
                || "HYT00".equals(state);
    }

    private static boolean unreachable(SQLException e) {
        String state = e.getSQLState();
        return e instanceof java.sql.SQLTransientConnectionException || state != null && state.startsWith("08");
    }

    private static void sleepJitter(int attempt) {
        try {
            Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(1, 5L << Math.min(attempt, 6)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static <T> List<T> query(Connection c, String sql, Row<T> row, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(row.map(rs));
                }
                return out;
            }
        }
    }

    static int update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            return ps.executeUpdate();
        }
    }

    private static void bind(PreparedStatement ps, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            ps.setObject(i + 1, params[i]);
        }
    }
}
