package dev.setlist.flows.guard;

import dev.setlist.flows.Catalog;

/** A small catalog with one flow of each criticality, for the guard's tests. */
final class Catalogs {
    private Catalogs() {}

    static final String YAML = """
            workload: shop
            flows:
              - id: browse
                name: Browse concerts
                kind: user
                description: Customers list the concerts.
                owner: Sales
                stakeholders: [Sales]
                escalation: [{name: On-call, channel: log}]
                businessImpact: No browsing, no sales.
                criticality: high
                targets: {reliability: {availability: 99.9}}
                bindings: {routes: ["GET /api/concerts"]}
                guard:
                  cache: {ttl: 60s, keys: [path, role], staleFor: 1h, invalidatedBy: [concert-created]}
                  callerRate: 1/s
                  callerBurst: 5
              - id: buy
                name: Buy tickets
                kind: user
                description: Customers buy tickets.
                owner: Sales
                stakeholders: [Sales]
                escalation: [{name: On-call, channel: log}]
                businessImpact: No tickets, no revenue.
                criticality: medium
                targets: {reliability: {availability: 99.5}}
                guard:
                  quota: {limit: 3, period: day}
                  rate: 10/s
                  burst: 7
              - id: report
                name: Sales report
                kind: system
                description: The nightly sales report.
                owner: Finance
                stakeholders: [Finance]
                escalation: [{name: On-call, channel: log}]
                businessImpact: A late report.
                criticality: low
                targets: {reliability: {availability: 95}}
            """;

    static Catalog shop() {
        return Catalog.parse(YAML);
    }
}
