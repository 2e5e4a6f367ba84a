package dev.setlist.bench.engine;

import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.flowable.common.engine.api.delegate.event.FlowableEngineEvent;
import org.flowable.common.engine.api.delegate.event.FlowableEngineEventType;
import org.flowable.common.engine.api.delegate.event.FlowableEvent;
import org.flowable.common.engine.api.delegate.event.FlowableEventListener;
import org.flowable.common.engine.api.delegate.event.FlowableEventType;
import org.flowable.common.engine.impl.context.Context;
import org.flowable.common.engine.impl.history.HistoryLevel;
import org.flowable.common.engine.impl.interceptor.CommandContext;
import org.flowable.common.engine.impl.interceptor.CommandContextCloseListener;
import org.flowable.common.engine.impl.persistence.StrongUuidGenerator;
import org.flowable.engine.ProcessEngine;
import org.flowable.engine.ProcessEngineConfiguration;
import org.flowable.engine.RuntimeService;
import org.flowable.engine.delegate.DelegateExecution;
import org.flowable.engine.delegate.JavaDelegate;
import org.flowable.engine.impl.cfg.StandaloneProcessEngineConfiguration;
import org.flowable.engine.runtime.ProcessInstance;

/**
 * Flowable's process engine on its own database, with two deployments of an equivalent BPMN
 * process (start, 5 service tasks whose Java delegate does nothing, end):
 * <ul>
 *   <li>{@code fiveAsync}: every service task {@code flowable:async="true"}, so each step is a job
 *       committed on its own (the start's transaction, then one per task, the last one ending
 *       the instance); the async executor runs the jobs. A starter starts an instance and waits
 *       for its end, signalled once the command that completed it ({@code PROCESS_COMPLETED}) committed.
 *   <li>{@code fiveSync}: no async, so the whole instance runs in the start call's one transaction.
 * </ul>
 * Tuning: a HikariCP pool instead of MyBatis' default pool, sized by {@link #prepareFor}; the
 * async executor's thread pool core = max = {@code asyncThreads} with a queue of 2048 (the job of
 * an instance's next step is handed to it straight after its commit, so the queue holds at most
 * one job per running instance and never fills at these concurrencies), the due-job poll every
 * 500 ms as the Setlist engine's; non-exclusive jobs unless asked otherwise (an exclusive job first
 * locks its process instance in a transaction of its own; the process is sequential, so nothing
 * needs that lock); ids from UUIDs; history level {@code audit} (Flowable's default, comparable to
 * Setlist's history events); the IDM engine and event registry disabled (unused).
 */
public final class FlowableTarget implements AutoCloseable {
    private final HikariDataSource pool;
    private final CountingDataSource counted;
    private final ProcessEngine engine;
    private final RuntimeService runtime;
    private final Map<String, CompletableFuture<Void>> ends = new ConcurrentHashMap<>();
    private final Duration timeout;
    private final int asyncThreads;
    private final int poolSize;
    private int poolNow;
    private final boolean exclusive;

    /** The delegate of every service task: does nothing. */
    public static final class Noop implements JavaDelegate {
        @Override
        public void execute(DelegateExecution execution) {
            // nothing
        }
    }

    public FlowableTarget(BenchDatabase db, String url, int asyncThreads, int poolSize, boolean exclusive, Duration timeout) {
        this.timeout = timeout;
        this.exclusive = exclusive;
        this.asyncThreads = asyncThreads;
        this.poolSize = poolSize;
        this.pool = db.pool(url, poolSize > 0 ? poolSize : asyncThreads + 2, "flowable");
        this.counted = new CountingDataSource(pool);
        StandaloneProcessEngineConfiguration config = new StandaloneProcessEngineConfiguration();
        config.setDataSource(counted);
        config.setDatabaseSchemaUpdate(ProcessEngineConfiguration.DB_SCHEMA_UPDATE_TRUE);
        config.setHistoryLevel(HistoryLevel.AUDIT);
        // Ids from UUIDs, not from blocks taken in a nested transaction: the block fetch holds a
        // second connection per thread and deadlocks a busy pool (seen at 64 starters).
        config.setIdGenerator(new StrongUuidGenerator());
        config.setDisableIdmEngine(true);
        config.setDisableEventRegistry(true);
        config.setAsyncExecutorActivate(true);
        config.setAsyncExecutorCorePoolSize(asyncThreads);
        config.setAsyncExecutorMaxPoolSize(asyncThreads);
        config.setAsyncExecutorThreadPoolQueueSize(2048);
        config.getAsyncExecutorConfiguration().setDefaultAsyncJobAcquireWaitTime(Duration.ofMillis(500));
        config.getAsyncExecutorConfiguration().setDefaultTimerJobAcquireWaitTime(Duration.ofMillis(500));
        config.setTypedEventListeners(Map.of(FlowableEngineEventType.PROCESS_COMPLETED.name(), List.of(new Ended())));
        this.engine = config.buildProcessEngine();
        this.runtime = engine.getRuntimeService();
        engine.getRepositoryService().createDeployment().name("five")
                .addString("fiveAsync.bpmn20.xml", bpmn("fiveAsync", true, exclusive))
                .addString("fiveSync.bpmn20.xml", bpmn("fiveSync", false, exclusive))
                .deploy();
    }

    /** The process: start, {@link SetlistTarget#STEPS} service tasks, end. */
    public static String bpmn(String id, boolean async, boolean exclusive) {
        StringBuilder b = new StringBuilder();
        b.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\"")
                .append(" xmlns:flowable=\"http://flowable.org/bpmn\" targetNamespace=\"dev.setlist.bench\">\n")
                .append("  <process id=\"").append(id).append("\" isExecutable=\"true\">\n")
                .append("    <startEvent id=\"start\"/>\n");
        String previous = "start";
        for (int i = 1; i <= SetlistTarget.STEPS; i++) {
            String step = "step" + i;
            b.append("    <sequenceFlow id=\"to").append(i).append("\" sourceRef=\"").append(previous)
                    .append("\" targetRef=\"").append(step).append("\"/>\n")
                    .append("    <serviceTask id=\"").append(step).append("\"")
                    .append(async ? " flowable:async=\"true\"" : "")
                    .append(async && !exclusive ? " flowable:exclusive=\"false\"" : "")
                    .append(" flowable:class=\"").append(Noop.class.getName()).append("\"/>\n");
            previous = step;
        }
        b.append("    <sequenceFlow id=\"toEnd\" sourceRef=\"").append(previous).append("\" targetRef=\"end\"/>\n")
                .append("    <endEvent id=\"end\"/>\n")
                .append("  </process>\n")
                .append("</definitions>\n");
        return b.toString();
    }

    private CompletableFuture<Void> end(String processInstanceId) {
        return ends.computeIfAbsent(processInstanceId, k -> new CompletableFuture<>());
    }

    /**
     * Completes an instance's future once the command (transaction) that ended it committed and
     * closed: a close listener, as Flowable's own hand-off of new async jobs, rather than a
     * transaction listener on COMMITTED, which Flowable runs in a new command holding a second
     * connection (and so can starve the pool).
     */
    private final class Ended implements FlowableEventListener {
        @Override
        public void onEvent(FlowableEvent event) {
            if (event.getType() == FlowableEngineEventType.PROCESS_COMPLETED && event instanceof FlowableEngineEvent e
                    && e.getProcessInstanceId() != null) {
                String id = e.getProcessInstanceId();
                Context.getCommandContext().addCloseListener(new CommandContextCloseListener() {
                    @Override
                    public void closing(CommandContext commandContext) {}

                    @Override
                    public void afterSessionsFlush(CommandContext commandContext) {}

                    @Override
                    public void closed(CommandContext commandContext) {
                        end(id).complete(null);
                    }

                    @Override
                    public void closeFailure(CommandContext commandContext) {
                        end(id).completeExceptionally(new IllegalStateException("the command that ended " + id
                                + " failed"));
                    }

                    @Override
                    public Integer order() {
                        return 1000;
                    }

                    @Override
                    public boolean multipleAllowed() {
                        return true;
                    }
                });
            }
        }

        @Override
        public boolean isFailOnException() {
            return true;
        }

        @Override
        public boolean isFireOnTransactionLifecycleEvent() {
            return false;
        }

        @Override
        public String getOnTransaction() {
            return null;
        }

        @Override
        public java.util.Collection<? extends FlowableEventType> getTypes() {
            return List.of(FlowableEngineEventType.PROCESS_COMPLETED);
        }
    }

    /**
     * Sizes the pool for {@code starters} threads (unless a fixed size was given): one connection
     * per starter and per async executor thread, plus one. In standalone mode Flowable hands a new
     * async job to the executor from a transaction listener that it runs in a new command with a
     * connection of its own while the committing command still holds its connection; with no
     * more connections than threads every thread can end up holding one and waiting for a second
     * (seen at 64 starters with a pool of 24: every request timed out). One spare connection
     * guarantees that some thread always gets its second one.
     */
    public void prepareFor(int starters) {
        int size = poolSize > 0 ? poolSize : starters + asyncThreads + 1;
        if (size != poolNow) {
            pool.setMaximumPoolSize(size);
            pool.setMinimumIdle(size);
            poolNow = size;
        }
    }

    /** One instance of {@code fiveAsync}: start it, wait until its last job committed. */
    public void async() throws Exception {
        ProcessInstance pi = runtime.startProcessInstanceByKey("fiveAsync");
        CompletableFuture<Void> f = end(pi.getId());
        try {
            f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            ends.remove(pi.getId());
        }
    }

    /** One instance of {@code fiveSync}: it has ended when the start returns. */
    public void sync() {
        ProcessInstance pi = runtime.startProcessInstanceByKey("fiveSync");
        ends.remove(pi.getId());
        if (!pi.isEnded()) {
            throw new IllegalStateException("synchronous instance " + pi.getId() + " did not end in its start");
        }
    }

    /** The counting pool wrapper (commits and time in commit). */
    public CountingDataSource counter() {
        return counted;
    }

    /** Transactions committed on Flowable's pool so far. */
    public long commits() {
        return counted.commits();
    }

    /** Finished instances in history, by process definition key. */
    public long finished(String key) {
        return engine.getHistoryService().createHistoricProcessInstanceQuery().processDefinitionKey(key).finished().count();
    }

    /** How it was tuned, for the report. */
    public String tuning() {
        return (exclusive ? "exclusive" : "non-exclusive") + " async jobs; async executor " + asyncThreads
                + " threads (core = max), queue 2048, poll 500 ms; HikariCP pool of "
                + (poolSize > 0 ? String.valueOf(poolSize) : "starters + " + asyncThreads + " + 1") + "; UUID ids;"
                + " history audit";
    }

    @Override
    public void close() {
        engine.close();
        pool.close();
    }
}
