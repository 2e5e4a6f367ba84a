package dev.setlist.flows.guard;

import dev.setlist.asl.Clock;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;

/**
 * The one way out: every outbound call (webhooks, HTTP targets of the bus, task handlers' calls)
 * goes through here and gets a timeout per attempt, retries with capped exponential backoff and
 * full jitter, a retry budget shared by all calls (retries may add at most a tenth to the calls
 * made, so they cannot amplify an outage), and per dependency a circuit breaker and a bulkhead
 * (Resilience4j). A dependency is named by the caller, for HTTP by host and port. Thread safe.
 */
public final class Outbound implements AutoCloseable {
    /** How one call is tried: the timeout of each attempt, attempts in all, and the backoff between them. */
    public record Policy(Duration timeout, int maxAttempts, Duration baseBackoff, Duration maxBackoff) {
        public static Policy of(GuardPolicy p) {
            return new Policy(p.outboundTimeout(), p.outboundAttempts(), Duration.ofMillis(100), Duration.ofSeconds(5));
        }
    }

    /** An outbound failure: retriable ones (timeouts, connection errors, 5xx, 429) may be tried again. */
    public static final class Failure extends Exception {
        private final boolean retriable;

        public Failure(String message, boolean retriable) {
            super(message, null, false, false);
            this.retriable = retriable;
        }

        public boolean retriable() {
            return retriable;
        }
    }

    /** One attempt of a call; throws {@link Failure} (or anything, which counts as retriable). */
    @FunctionalInterface
    public interface Attempt<T> {
        T run() throws Exception;
    }

    /** A dependency's breaker and bulkhead as the console shows them. */
    public record DependencyState(String dependency, String state, float failureRate, long calls, long notPermitted,
                                  int bulkheadAvailable) {}

    /** The retry budget's figures. */
    public record BudgetState(double ratio, double available, long retried, long denied) {}

    private final CircuitBreakerRegistry breakers;
    private final BulkheadRegistry bulkheads;
    private final Clock clock;
    private final DoubleSupplier random;
    private final ExecutorService attempts = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient http;
    private final double budgetRatio;
    private final double budgetMax;
    private double budget;
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong denied = new AtomicLong();

    private Outbound(Builder b) {
        this.breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(b.breakerWindow)
                .minimumNumberOfCalls(b.breakerMinimumCalls)
                .failureRateThreshold(50)
                .waitDurationInOpenState(b.openFor)
                .permittedNumberOfCallsInHalfOpenState(2)
                .build());
        this.bulkheads = BulkheadRegistry.of(BulkheadConfig.custom().maxConcurrentCalls(b.bulkhead)
                .maxWaitDuration(Duration.ZERO).build());
        this.clock = b.clock;
        this.random = b.random;
        this.budgetRatio = b.budgetRatio;
        this.budgetMax = b.budgetMax;
        this.budget = b.budgetMax;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs {@code attempt} against {@code dependency} under {@code policy}; returns its result or
     * throws the last failure. A call refused by an open breaker or a full bulkhead fails at once
     * (retriable: the dependency may recover).
     */
    public <T> T call(String dependency, Policy policy, Attempt<T> attempt) throws Failure {
        Bulkhead bulkhead = bulkheads.bulkhead(dependency);
        if (!bulkhead.tryAcquirePermission()) {
            throw new Failure("Bulkhead of " + dependency + " is full", true);
        }
        try {
            deposit();
            CircuitBreaker breaker = breakers.circuitBreaker(dependency);
            for (int n = 1; ; n++) {
                if (!breaker.tryAcquirePermission()) {
                    throw new Failure("Circuit breaker of " + dependency + " is open", true);
                }
                long start = System.nanoTime();
                Failure failure;
                try {
                    T result = timed(attempt, policy.timeout());
                    breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                    return result;
                } catch (Failure f) {
                    failure = f;
                }
                if (failure.retriable()) {
                    breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, failure);
                } else {
                    breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                }
                if (!failure.retriable() || n >= policy.maxAttempts()) {
                    throw failure;
                }
                if (!withdraw()) {
                    throw new Failure(failure.getMessage() + " (retry budget spent)", true);
                }
                retried.incrementAndGet();
                sleep(backoff(policy, n));
            }
        } finally {
            bulkhead.onComplete();
        }
    }

    /**
     * POSTs {@code body} as JSON to {@code url}; 2xx succeeds, 408, 429 and 5xx are retriable,
     * other statuses are not. Returns the status.
     */
    public int postJson(URI url, String body, Map<String, String> headers, Policy policy) throws Failure {
        String dependency = url.getHost() + ":" + (url.getPort() > 0 ? url.getPort()
                : "https".equals(url.getScheme()) ? 443 : 80);
        return call(dependency, policy, () -> {
            HttpRequest.Builder r = HttpRequest.newBuilder(url).timeout(policy.timeout())
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
            headers.forEach(r::header);
            HttpResponse<Void> response;
            try {
                response = http.send(r.build(), HttpResponse.BodyHandlers.discarding());
            } catch (IOException e) {
                throw new Failure("HTTP request to " + url + " failed: " + e, true);
            }
            int status = response.statusCode();
            if (status / 100 == 2) {
                return status;
            }
            throw new Failure("HTTP " + status + " from " + url, status == 408 || status == 429 || status >= 500);
        });
    }

    private <T> T timed(Attempt<T> attempt, Duration timeout) throws Failure {
        Future<T> f;
        try {
            f = attempts.submit(attempt::run);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new Failure("Outbound calls are closed (the server is stopping)", true);
        }
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new Failure("Timed out after " + timeout.toMillis() + " ms", true);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Failure failure) {
                throw failure;
            }
            throw new Failure(cause.toString(), true);
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new Failure("Interrupted", false);
        }
    }

    /** Full jitter: uniformly between zero and the capped exponential backoff of attempt {@code n}. */
    Duration backoff(Policy p, int n) {
        double cap = Math.min(p.maxBackoff().toNanos(), p.baseBackoff().toNanos() * Math.pow(2, n - 1));
        return Duration.ofNanos((long) (random.getAsDouble() * cap));
    }

    private void sleep(Duration d) throws Failure {
        try {
            clock.sleepUntil(clock.now().plus(d));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("Interrupted", false);
        }
    }

    private synchronized void deposit() {
        budget = Math.min(budgetMax, budget + budgetRatio);
    }

    private synchronized boolean withdraw() {
        if (budget >= 1) {
            budget -= 1;
            return true;
        }
        denied.incrementAndGet();
        return false;
    }

    /** Every dependency called so far with its breaker's state. */
    public List<DependencyState> dependencies() {
        List<DependencyState> out = new ArrayList<>();
        for (CircuitBreaker b : breakers.getAllCircuitBreakers()) {
            var m = b.getMetrics();
            out.add(new DependencyState(b.getName(), b.getState().name(), Math.max(0, m.getFailureRate()),
                    m.getNumberOfBufferedCalls(), m.getNumberOfNotPermittedCalls(),
                    bulkheads.bulkhead(b.getName()).getMetrics().getAvailableConcurrentCalls()));
        }
        out.sort(java.util.Comparator.comparing(DependencyState::dependency));
        return out;
    }

    /** The state of {@code dependency}'s breaker ({@code CLOSED}, {@code OPEN}, {@code HALF_OPEN}). */
    public String state(String dependency) {
        return breakers.circuitBreaker(dependency).getState().name();
    }

    public synchronized BudgetState budget() {
        return new BudgetState(budgetRatio, budget, retried.get(), denied.get());
    }

    @Override
    public void close() {
        attempts.shutdownNow();
    }

    /** Settings; the defaults suit production, tests shorten the open state. */
    public static final class Builder {
        private int breakerWindow = 20;
        private int breakerMinimumCalls = 10;
        private Duration openFor = Duration.ofSeconds(10);
        private int bulkhead = 25;
        private double budgetRatio = 0.1;
        private double budgetMax = 10;
        private Clock clock = Clock.SYSTEM;
        private DoubleSupplier random = () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble();

        /** The breaker opens when half of the last {@code window} calls failed (after {@code minimumCalls}). */
        public Builder breaker(int window, int minimumCalls, Duration openFor) {
            this.breakerWindow = window;
            this.breakerMinimumCalls = minimumCalls;
            this.openFor = openFor;
            return this;
        }

        /** Calls in flight per dependency. */
        public Builder bulkhead(int maxConcurrent) {
            this.bulkhead = maxConcurrent;
            return this;
        }

        /** Each call earns {@code ratio} of a retry, up to {@code max} saved retries. */
        public Builder retryBudget(double ratio, double max) {
            this.budgetRatio = ratio;
            this.budgetMax = max;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public Builder random(DoubleSupplier random) {
            this.random = random;
            return this;
        }

        public Outbound build() {
            return new Outbound(this);
        }
    }
}
