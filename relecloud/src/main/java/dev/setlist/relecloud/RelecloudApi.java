package dev.setlist.relecloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.StatesException;
import dev.setlist.engine.EngineException;
import dev.setlist.relecloud.gateway.Cards;
import dev.setlist.relecloud.gateway.GatewayClient;
import dev.setlist.flows.guard.Guard;
import dev.setlist.server.SetlistServer;
import dev.setlist.server.auth.Principal;
import dev.setlist.server.http.Access;
import dev.setlist.server.http.ApiException;
import dev.setlist.server.http.Gate;
import dev.setlist.server.http.Bodies;
import dev.setlist.server.http.Errors;
import dev.setlist.server.http.Json;
import dev.setlist.server.sfn.Req;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Relecloud's JSON API under {@code /api/relecloud} (documented in {@code relecloud/API.md}):
 * concerts, search, concert requests, customers, purchases, ticket images and the payment gateway
 * simulator's behaviour. Every route declares the {@code relecloud:*} action it needs, and the
 * server's gate authenticates and authorizes the caller before the guard or a handler runs; bad input is a 4xx
 * naming what is wrong and changes nothing. Caching, stale answers during an outage and search's
 * degraded mode are the server's traffic guard's (flows {@code list-concerts} and
 * {@code search-concerts} in {@code flows.yaml}).
 */
final class RelecloudApi {
    static final String BASE = "/api/relecloud";
    static final int MAX_BODY = 64 * 1024;
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_-]{8,80}");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]{1,189}\\.[^@\\s.]{2,63}");
    /** The demo's test card, used (tokenized like any other) when a purchase names none. */
    private static final String TEST_CARD = "4242424242424242";
    private static final Set<String> SORTS = Set.of("relevance", "date", "-date", "price", "-price", "title");
    /** The flow whose degraded mode (an operator's lever of the traffic guard) answers search from the concert list. */
    private static final String SEARCH_FLOW = "search-concerts";
    private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    private final Relecloud app;
    private final SetlistServer server;
    private final Store store;
    private final SecureRandom random = new SecureRandom();

    RelecloudApi(Relecloud app, SetlistServer server) {
        this.app = app;
        this.server = server;
        this.store = app.store();
    }

    void routing(RoutesConfig routes) {
        routes.exception(Store.Unavailable.class, (e, ctx) -> {
            ctx.header("Retry-After", "1");
            Errors.write(ctx, 503, "ServiceUnavailable", "The database is unavailable; retry the request");
        });
        routes.get(BASE + "/me", this::me, Access.signedIn());
        routes.get(BASE + "/concerts", this::upcoming, Access.action("relecloud:ReadConcerts"));
        routes.get(BASE + "/concerts/{id}", ctx -> {
            // Seats left change with every purchase: the guard must not keep this answer.
            ctx.header("Cache-Control", "no-store").json(concert(longParam(ctx.pathParam("id"), "id")).json());
        }, Access.action("relecloud:ReadConcerts"));
        routes.post(BASE + "/concerts", this::requestConcert, Access.action("relecloud:CreateConcert"));
        routes.get(BASE + "/search", this::search, Access.action("relecloud:ReadConcerts"));
        routes.get(BASE + "/concert-requests", ctx -> {
            Principal p = Gate.principal(ctx);
            ArrayNode items = Json.array();
            store.requestsOf(p.user(), 50).forEach(r -> items.add(r.json()));
            ctx.json(Json.object().set("items", items));
        }, Access.action("relecloud:ReadConcertRequests"));
        routes.get(BASE + "/concert-requests/{id}", ctx -> {
            Store.Request r = ctx.pathParam("id").length() > 64 ? null : store.request(ctx.pathParam("id"));
            if (r == null) {
                throw notFound("No concert request " + ctx.pathParam("id"));
            }
            ctx.json(r.json());
        }, Access.action("relecloud:ReadConcertRequests"));
        routes.get(BASE + "/customers", this::findCustomers, Access.action("relecloud:ReadCustomers"));
        routes.post(BASE + "/customers", this::createCustomer, Access.action("relecloud:WriteCustomers"));
        routes.get(BASE + "/customers/{id}", ctx -> {
            ctx.json(customer(longParam(ctx.pathParam("id"), "id")).json());
        }, Access.action("relecloud:ReadCustomers"));
        routes.get(BASE + "/customers/{id}/tickets", ctx -> {
            Store.Customer c = customer(longParam(ctx.pathParam("id"), "id"));
            ArrayNode items = Json.array();
            Map<Long, Concert> concerts = new ConcurrentHashMap<>();
            for (Store.Ticket t : store.ticketsOfCustomer(c.id())) {
                Concert concert = concerts.computeIfAbsent(t.concertId(), store::concert);
                items.add(ticketJson(t).put("concertTitle", concert.title()).put("artist", concert.artist())
                        .put("startsAt", concert.startsAt().toString()).put("venue", concert.venue()));
            }
            ctx.json(Json.object().set("items", items));
        }, Access.action("relecloud:ReadTickets"));
        routes.post(BASE + "/purchases", this::purchase, Access.action("relecloud:BuyTickets"));
        routes.get(BASE + "/purchases", ctx -> {
            String customer = ctx.queryParam("customerId");
            if (customer == null) {
                throw ApiException.validation("Query parameter 'customerId' is required");
            }
            ArrayNode items = Json.array();
            store.purchasesOf(longParam(customer, "customerId"), 50).forEach(p -> items.add(purchaseJson(p, false)));
            ctx.json(Json.object().set("items", items));
        }, Access.action("relecloud:ReadPurchases"));
        routes.get(BASE + "/purchases/{id}", ctx -> {
            ctx.json(purchaseJson(purchase(ctx.pathParam("id")), true));
        }, Access.action("relecloud:ReadPurchases"));
        routes.get(BASE + "/tickets/{number}/image", this::image, Access.action("relecloud:ReadTickets"));
        routes.get(BASE + "/gateway", ctx -> {
            ctx.json(gateway(() -> app.gateway().behaviour()));
        }, Access.action("relecloud:OperateGateway"));
        routes.put(BASE + "/gateway", ctx -> {
            byte[] raw = Bodies.read(ctx, MAX_BODY);
            JsonNode change = Req.parse(raw).body();
            ctx.json(gateway(() -> app.gateway().behaviour(change)));
        }, Access.action("relecloud:OperateGateway"));
    }

    // ---- who may -------------------------------------------------------------------------------

    private void me(Context ctx) {
        Principal p = Gate.principal(ctx);
        ObjectNode out = Json.object().put("user", p.user());
        ArrayNode roles = out.putArray("roles");
        new LinkedHashSet<>(p.grants().stream().map(g -> g.role()).toList()).forEach(roles::add);
        ObjectNode can = out.putObject("can");
        can.put("readConcerts", p.allows("relecloud:ReadConcerts", null))
                .put("createConcert", p.allows("relecloud:CreateConcert", null))
                .put("buyTickets", p.allows("relecloud:BuyTickets", null))
                .put("readCustomers", p.allows("relecloud:ReadCustomers", null))
                .put("readPurchases", p.allows("relecloud:ReadPurchases", null))
                .put("operate", p.allows("relecloud:OperateGateway", null))
                .put("administer", p.allows("setlist:Admin", null));
        ctx.json(out);
    }

    // ---- concerts ------------------------------------------------------------------------------

    private void upcoming(Context ctx) {
        int page = intParam(ctx, "page", 0, 0, 10_000);
        int size = intParam(ctx, "size", 20, 1, 100);
        Instant now = server.clock().now();
        ArrayNode items = Json.array();
        store.upcoming(now, page * size, size).forEach(c -> items.add(c.json()));
        ObjectNode body = Json.object();
        body.set("items", items);
        ctx.json(body.put("page", page).put("size", size).put("total", store.countUpcoming(now)));
    }

    private Concert concert(long id) {
        Concert c = store.concert(id);
        if (c == null) {
            throw notFound("No concert " + id);
        }
        return c;
    }

    private void requestConcert(Context ctx) {
        byte[] raw = Bodies.read(ctx, MAX_BODY);
        Principal p = Gate.principal(ctx);
        onlyQuery(ctx, Set.of());
        ObjectNode concert = ConcertRules.shape(Req.parse(raw));
        String id = "cr-" + code(10).toLowerCase(Locale.ROOT);
        store.addRequest(id, concert, p.user());
        ObjectNode detail = Json.object().put("requestId", id).put("requestedBy", p.user());
        detail.set("concert", concert);
        try {
            var results = server.eventBus().putEvents(List.of(dev.setlist.events.PutEntry.of(Relecloud.PLANNING,
                    "ConcertRequested", detail.toString())));
            if (results.stream().anyMatch(r -> r.errorCode() != null)) {
                throw new IllegalStateException(results.get(0).errorMessage());
            }
        } catch (RuntimeException e) {
            store.requestNotAccepted(id, "The request could not be queued: " + e.getMessage());
            throw new ApiException(503, "ServiceUnavailable", "The request could not be queued; retry");
        }
        ctx.status(202).json(Json.object().put("requestId", id).put("status", "PENDING").put("statusUrl",
                BASE + "/concert-requests/" + id));
    }

    private void search(Context ctx) {
        String q = ctx.queryParam("q");
        if (q != null && q.length() > 200) {
            throw ApiException.validation("Query parameter 'q' must be at most 200 characters");
        }
        String genre = ctx.queryParam("genre");
        if (genre != null && (genre.isBlank() || genre.length() > 100)) {
            throw ApiException.validation("Query parameter 'genre' must be 1 to 100 characters");
        }
        Instant from = dateParam(ctx, "from", false);
        Instant to = dateParam(ctx, "to", true);
        if (from != null && to != null && to.isBefore(from)) {
            throw ApiException.validation("Query parameter 'to' is before 'from'");
        }
        Long minPrice = ctx.queryParam("minPrice") == null ? null : longParam(ctx.queryParam("minPrice"), "minPrice");
        Long maxPrice = ctx.queryParam("maxPrice") == null ? null : longParam(ctx.queryParam("maxPrice"), "maxPrice");
        String sort = ctx.queryParam("sort");
        if (sort != null && !SORTS.contains(sort)) {
            throw ApiException.validation("Query parameter 'sort' must be one of " + new java.util.TreeSet<>(SORTS)
                    + ", was '" + sort + "'");
        }
        ConcertSearch.Criteria c = new ConcertSearch.Criteria(q, genre, from, to, minPrice, maxPrice, sort,
                intParam(ctx, "page", 0, 0, 1000), intParam(ctx, "size", 20, 1, 100));
        Instant now = server.clock().now();
        Guard guard = server.guard();
        String reason = guard != null && guard.degraded(SEARCH_FLOW)
                ? "The search flow is switched to degraded mode by an operator" : null;
        if (reason == null) {
            try {
                ConcertSearch.Hits hits = app.search().search(c, now);
                ArrayNode items = Json.array();
                store.concerts(hits.ids()).forEach(x -> items.add(x.json()));
                ObjectNode out = Json.object();
                out.set("items", items);
                ctx.json(out.put("page", c.page()).put("size", c.size()).put("total", hits.total()).put("degraded", false));
                return;
            } catch (RuntimeException e) {
                reason = "Search failed (" + e.getClass().getSimpleName() + "); answering from the concert list";
            }
        }
        ctx.json(fallbackSearch(c, now).put("degraded", true).put("reason", reason));
    }

    /** Search without the index: the upcoming list, filtered by substrings and the filters. */
    private ObjectNode fallbackSearch(ConcertSearch.Criteria c, Instant now) {
        List<String> words = c.text() == null ? List.of() : List.of(c.text().toLowerCase(Locale.ROOT)
                .replaceAll("[\"*()+\\-:]", " ").trim().split("\\s+")).stream().filter(w -> !w.isEmpty()).toList();
        List<Concert> all = new ArrayList<>(store.upcoming(now, 0, 5000));
        all.removeIf(x -> {
            String hay = (x.title() + " " + x.artist() + " " + x.genre() + " " + x.venue() + " " + x.location())
                    .toLowerCase(Locale.ROOT);
            return !words.stream().allMatch(hay::contains)
                    || c.genre() != null && !x.genre().equalsIgnoreCase(c.genre())
                    || c.from() != null && x.startsAt().isBefore(c.from())
                    || c.to() != null && x.startsAt().isAfter(c.to())
                    || c.minPrice() != null && x.priceCents() < c.minPrice()
                    || c.maxPrice() != null && x.priceCents() > c.maxPrice();
        });
        String sort = c.sort() == null || c.sort().equals("relevance") ? "date" : c.sort();
        Comparator<Concert> order = switch (sort) {
            case "-date" -> Comparator.comparing(Concert::startsAt).reversed();
            case "price" -> Comparator.comparingLong(Concert::priceCents).thenComparing(Concert::startsAt);
            case "-price" -> Comparator.comparingLong(Concert::priceCents).reversed().thenComparing(Concert::startsAt);
            case "title" -> Comparator.comparing((Concert x) -> x.title().toLowerCase(Locale.ROOT));
            default -> Comparator.comparing(Concert::startsAt);
        };
        all.sort(order);
        ArrayNode items = Json.array();
        all.stream().skip((long) c.page() * c.size()).limit(c.size()).forEach(x -> items.add(x.json()));
        ObjectNode out = Json.object();
        out.set("items", items);
        return out.put("page", c.page()).put("size", c.size()).put("total", all.size());
    }

    // ---- customers -----------------------------------------------------------------------------

    private void findCustomers(Context ctx) {
        String email = ctx.queryParam("email");
        if (email == null || email.isBlank() || email.length() > 254) {
            throw ApiException.validation("Query parameter 'email' is required (1 to 254 characters)");
        }
        ArrayNode items = Json.array();
        store.customersByEmailPrefix(email, 20).forEach(c -> items.add(c.json()));
        ctx.json(Json.object().set("items", items));
    }

    private void createCustomer(Context ctx) {
        byte[] raw = Bodies.read(ctx, MAX_BODY);
        onlyQuery(ctx, Set.of());
        Store.Found f = customerOf(Req.parse(raw));
        ctx.status(f.created() ? 201 : 200).json(f.customer().json());
    }

    private Store.Found customerOf(Req r) {
        String[] f = customerFields(r);
        return store.findOrCreateCustomer(f[0], f[1]);
    }

    /** A customer's email and name, checked (no unknown fields). */
    private static String[] customerFields(Req r) {
        for (var it = r.body().fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!Set.of("email", "name").contains(f)) {
                throw ApiException.validation("Unknown field '" + abbreviate(f) + "'");
            }
        }
        String email = r.str("email", 3, 254).strip();
        if (!EMAIL.matcher(email).matches()) {
            throw ApiException.validation("'email' is not an email address: '" + abbreviate(email) + "'");
        }
        String name = r.str("name", 1, 200).strip();
        if (name.isEmpty()) {
            throw ApiException.validation("'name' must not be blank");
        }
        return new String[] {email, name};
    }

    private Store.Customer customer(long id) {
        Store.Customer c = store.customer(id);
        if (c == null) {
            throw notFound("No customer " + id);
        }
        return c;
    }

    // ---- purchases -----------------------------------------------------------------------------

    /** A card as the agent typed it; it never leaves this request except to the gateway. */
    private record CardInput(String number, String expiry) {}

    /**
     * Makes a purchase. Every parameter (the query, the Idempotency-Key header, every body field,
     * the card's number and expiry by the server's clock, the customer and concerts named) is
     * checked before anything is written; then the card is exchanged for the gateway's token (the
     * number goes nowhere else), the customer is created when given by email, and the purchase is
     * recorded bound to its execution, which then starts with the purchase id only.
     */
    private void purchase(Context ctx) {
        byte[] raw = Bodies.read(ctx, MAX_BODY);
        Principal p = Gate.principal(ctx);
        onlyQuery(ctx, Set.of("wait"));
        Integer wait = ctx.queryParam("wait") == null ? null : intParam(ctx, "wait", 0, 0, 20);
        String key = ctx.header("Idempotency-Key");
        if (key == null) {
            throw ApiException.validation("The Idempotency-Key header is required (8 to 80 letters, digits, '-' or '_';"
                    + " a new one for each purchase)");
        }
        if (!KEY.matcher(key).matches()) {
            throw ApiException.validation("The Idempotency-Key header must be 8 to 80 letters, digits, '-' or '_'");
        }
        Req r = Req.parse(raw);
        for (var it = r.body().fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!Set.of("customerId", "customer", "items", "card").contains(f)) {
                throw ApiException.validation("Unknown field '" + f + "'");
            }
        }
        List<Req> lines = r.optObjects("items");
        if (lines == null || lines.isEmpty() || lines.size() > 10) {
            throw ApiException.validation("'items' must hold 1 to 10 {\"concertId\", \"quantity\"} objects");
        }
        Set<Long> seen = new HashSet<>();
        List<long[]> wanted = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Req line = lines.get(i);
            String at = "items[" + i + "].";
            for (var it = line.body().fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!Set.of("concertId", "quantity").contains(f)) {
                    throw ApiException.validation("Unknown field '" + at + f + "'");
                }
            }
            Long concertId = nested(at, () -> line.optLong("concertId", 1, Long.MAX_VALUE));
            Integer quantity = nested(at, () -> line.optInt("quantity", 1, 10));
            if (concertId == null) {
                throw ApiException.missing("items[" + i + "].concertId");
            }
            if (quantity == null) {
                throw ApiException.missing("items[" + i + "].quantity");
            }
            if (!seen.add(concertId)) {
                throw ApiException.validation("Concert " + concertId + " appears twice in 'items'; give one quantity");
            }
            wanted.add(new long[] {concertId, quantity});
        }
        CardInput card = card(r);
        // Who: an existing customer by id, or one given by email (created below, after every check).
        Store.Customer customer;
        String[] newCustomer = null;
        if (r.has("customerId") == r.has("customer")) {
            throw ApiException.validation("Give exactly one of 'customerId' and 'customer'");
        } else if (r.has("customerId")) {
            Long id = r.optLong("customerId", 1, Long.MAX_VALUE);
            customer = store.customer(id);
            if (customer == null) {
                throw ApiException.validation("No customer " + id);
            }
        } else {
            ObjectNode given = r.optObject("customer");
            newCustomer = nested("customer.", () -> customerFields(Req.of(given)));
            customer = store.customerByEmail(newCustomer[0]);
        }
        List<Store.Item> items = new ArrayList<>();
        for (long[] w : wanted) {
            Concert c = store.concert(w[0]);
            if (c == null) {
                throw ApiException.validation("No concert " + w[0]);
            }
            items.add(new Store.Item(c.id(), (int) w[1], c.priceCents()));
        }
        // Every parameter is good. The card becomes a token (the gateway keeps the number).
        JsonNode token = gateway(() -> app.gateway().tokenize(card.number(), card.expiry()));
        Store.Card kept = new Store.Card(token.path("token").asText(), token.path("last4").asText(),
                token.path("brand").asText());
        String fingerprint = token.path("fingerprint").asText();
        Store.Purchase before = store.purchaseByKey(key);
        if (before != null && (customer == null || !before.requestHash().equals(requestHash(customer.id(), items,
                fingerprint)))) {
            throw keyReused(key, before);
        }
        if (customer == null) {
            customer = store.findOrCreateCustomer(newCustomer[0], newCustomer[1]).customer();
        }
        String hash = requestHash(customer.id(), items, fingerprint);
        String id = code(10);
        Store.Purchase purchase = store.createPurchase(id, key, hash, customer.id(), items, p.user(), executionArn(id),
                kept);
        boolean fresh = purchase.id().equals(id);
        if (!fresh && !purchase.requestHash().equals(hash)) {
            throw keyReused(key, purchase);
        }
        if (purchase.status().equals("PENDING")) {
            purchase = start(purchase);
        }
        if (wait != null) {
            server.engine().awaitExecution(purchase.executionArn(), Duration.ofSeconds(wait));
            ctx.status(fresh ? 201 : 200).json(purchaseJson(store.purchase(purchase.id()), true));
            return;
        }
        ctx.status(fresh ? 202 : 200).json(Json.object().put("purchaseId", purchase.id()).put("status", purchase.status())
                .put("statusUrl", BASE + "/purchases/" + purchase.id()));
    }

    private static ApiException keyReused(String key, Store.Purchase p) {
        return new ApiException(409, "IdempotencyKeyReused", "The Idempotency-Key " + key + " was used for another"
                + " purchase (" + p.id() + "); use a new key for a new purchase");
    }

    /** What a purchase request asks for, for the Idempotency-Key check: the card by the gateway's fingerprint. */
    private static String requestHash(long customerId, List<Store.Item> items, String fingerprint) {
        return sha256(customerId + "|" + Store.itemsJson(items.stream()
                .map(i -> new Store.Item(i.concertId(), i.quantity(), 0)).toList()) + "|" + fingerprint);
    }

    /**
     * The card of a purchase request, checked: {@code number} 12 to 19 digits passing the Luhn
     * check, {@code expiry} MM/YY (or MM/YYYY) not before this month by the server's clock,
     * optional {@code holder}. Without a card the demo's test card is used. Messages never repeat
     * the number.
     */
    private CardInput card(Req r) {
        if (!r.has("card")) {
            java.time.YearMonth later = java.time.YearMonth.from(server.clock().now().atZone(ZoneOffset.UTC)).plusYears(3);
            return new CardInput(TEST_CARD, String.format(Locale.ROOT, "%02d/%02d", later.getMonthValue(),
                    later.getYear() % 100));
        }
        JsonNode c = r.body().get("card");
        if (!c.isObject()) {
            throw ApiException.validation("'card' must be an object {\"number\", \"expiry\", \"holder\"}");
        }
        for (var it = c.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!Set.of("number", "expiry", "holder").contains(f)) {
                throw ApiException.validation("Unknown field 'card." + abbreviate(f) + "'");
            }
        }
        JsonNode n = c.get("number");
        if (n == null || n.isNull()) {
            throw ApiException.missing("card.number");
        }
        String number = n.isTextual() ? n.textValue().replace(" ", "") : null;
        if (!Cards.wellFormed(number)) {
            throw ApiException.validation("'card.number' must be a string of 12 to 19 digits (spaces allowed)");
        }
        if (!Cards.luhn(number)) {
            throw ApiException.validation("'card.number' fails the Luhn check: a digit is mistyped");
        }
        JsonNode e = c.get("expiry");
        if (e == null || e.isNull()) {
            throw ApiException.missing("card.expiry");
        }
        java.time.YearMonth expiry = e.isTextual() ? Cards.expiry(e.textValue().strip()) : null;
        if (expiry == null) {
            throw ApiException.validation("'card.expiry' must be MM/YY or MM/YYYY, was '" + abbreviate(e.asText()) + "'");
        }
        if (Cards.expired(expiry, server.clock().now())) {
            throw ApiException.validation("'card.expiry' " + e.textValue().strip() + " is in the past: the card expired"
                    + " at the end of " + expiry);
        }
        JsonNode holder = c.get("holder");
        if (holder != null && !holder.isNull() && (!holder.isTextual() || holder.textValue().length() > 200)) {
            throw ApiException.validation("'card.holder' must be a string of at most 200 characters");
        }
        return new CardInput(number, e.textValue().strip());
    }

    /** The ARN the purchase's execution gets: the purchase id is its name, recorded before it starts. */
    private String executionArn(String purchaseId) {
        return app.purchaseArn().replace(":stateMachine:", ":execution:") + ":" + purchaseId;
    }

    /**
     * Starts the purchase's execution (its name is the purchase id, its input names the purchase
     * only; the steps read everything else from the row). Starting again is harmless: the API
     * and the sweeper of stale {@code PENDING} purchases both call it.
     */
    Store.Purchase start(Store.Purchase p) {
        ObjectNode input = Json.object().put("purchaseId", p.id());
        input.putObject("card").put("last4", p.card().last4()).put("brand", p.card().brand());
        try {
            server.engine().startExecution(app.purchaseArn(), p.id(), input.toString(), null);
        } catch (EngineException e) {
            if (e.code() != EngineException.Code.ExecutionAlreadyExists) {
                throw e;
            }
        }
        store.purchaseStarted(p.id());
        return store.purchase(p.id());
    }

    private Store.Purchase purchase(String id) {
        Store.Purchase p = id.length() > 16 ? null : store.purchase(id);
        if (p == null) {
            throw notFound("No purchase " + id);
        }
        return p;
    }

    private ObjectNode purchaseJson(Store.Purchase p, boolean tickets) {
        ObjectNode o = Json.object().put("purchaseId", p.id()).put("status", p.status()).put("customerId", p.customerId())
                .put("totalCents", p.totalCents()).put("currency", "USD");
        o.set("items", Store.itemsJson(p.items()));
        Json.opt(o, "error", p.error());
        Json.opt(o, "cause", p.cause());
        if (p.card() != null && p.card().last4() != null) {
            o.putObject("card").put("last4", p.card().last4()).put("brand", p.card().brand());
        }
        Json.opt(o, "executionArn", p.executionArn());
        o.put("createdBy", p.createdBy()).put("createdAt", p.createdAt().toString()).put("updatedAt",
                p.updatedAt().toString());
        if (tickets) {
            ArrayNode a = o.putArray("tickets");
            store.ticketsOfPurchase(p.id()).stream().filter(t -> t.status().equals("ISSUED"))
                    .forEach(t -> a.add(ticketJson(t)));
        }
        return o;
    }

    private static ObjectNode ticketJson(Store.Ticket t) {
        return Json.object().put("number", t.number()).put("concertId", t.concertId()).put("seat", t.seatLabel())
                .put("purchaseId", t.purchaseId()).put("image", t.hasImage() ? "READY" : "PENDING")
                .put("imageUrl", BASE + "/tickets/" + t.number() + "/image");
    }

    private void image(Context ctx) {
        String number = ctx.pathParam("number");
        Store.Ticket t = number.length() > 40 ? null : store.ticket(number);
        if (t == null) {
            throw notFound("No ticket " + number);
        }
        byte[] png = store.image(number);
        if (png == null) {
            throw notFound("Ticket " + number + " is being rendered; try again in a moment");
        }
        ctx.contentType("image/png").header("Cache-Control", "private, max-age=3600").result(png);
    }

    // ---- operations ----------------------------------------------------------------------------

    private static JsonNode gateway(java.util.function.Supplier<JsonNode> call) {
        try {
            return call.get();
        } catch (StatesException e) {
            if (GatewayClient.REJECTED.equals(e.error())) {
                throw ApiException.validation(e.cause().replaceFirst("^.*HTTP 400 ", ""));
            }
            throw new ApiException(503, "ServiceUnavailable", "The payment gateway did not answer: " + e.cause());
        }
    }

    // ---- parameters ----------------------------------------------------------------------------

    /** Runs a nested member's check, naming the member with its path ({@code items[0].quantity}) when it fails. */
    private static <T> T nested(String prefix, java.util.function.Supplier<T> check) {
        try {
            return check.get();
        } catch (ApiException e) {
            throw new ApiException(e.status(), e.type(), e.getMessage().replaceFirst("'([A-Za-z]+)'",
                    "'" + java.util.regex.Matcher.quoteReplacement(prefix) + "$1'"));
        }
    }

    /** A write takes only the query parameters it knows; anything else is a 400 before any effect. */
    private static void onlyQuery(Context ctx, Set<String> known) {
        for (String name : ctx.queryParamMap().keySet()) {
            if (!known.contains(name)) {
                throw ApiException.validation("Unknown query parameter '" + abbreviate(name) + "'"
                        + (known.isEmpty() ? "" : " (known: " + String.join(", ", new java.util.TreeSet<>(known)) + ")"));
            }
        }
        for (String name : known) {
            if (ctx.queryParams(name).size() > 1) {
                throw ApiException.validation("Query parameter '" + name + "' is given more than once");
            }
        }
    }

    private static ApiException notFound(String message) {
        return new ApiException(404, "NotFound", message);
    }

    private static long longParam(String s, String name) {
        try {
            long v = Long.parseLong(s);
            if (v < 0) {
                throw ApiException.validation("'" + name + "' must not be negative, was " + s);
            }
            return v;
        } catch (NumberFormatException e) {
            throw ApiException.validation("'" + name + "' must be an integer, was '" + abbreviate(s) + "'");
        }
    }

    private static int intParam(Context ctx, String name, int dflt, int min, int max) {
        String s = ctx.queryParam(name);
        if (s == null) {
            return dflt;
        }
        long v = longParam(s, name);
        if (v < min || v > max) {
            throw ApiException.validation("Query parameter '" + name + "' must be between " + min + " and " + max
                    + ", was " + v);
        }
        return (int) v;
    }

    private static Instant dateParam(Context ctx, String name, boolean endOfDay) {
        String s = ctx.queryParam(name);
        if (s == null || s.isEmpty()) {
            return null;
        }
        try {
            if (s.length() == 10) {
                LocalDate d = LocalDate.parse(s);
                return (endOfDay ? d.plusDays(1) : d).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw ApiException.validation("Query parameter '" + name + "' must be a date (2026-12-01) or an instant"
                    + " (2026-12-01T20:00:00Z), was '" + abbreviate(s) + "'");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }

    private String code(int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
