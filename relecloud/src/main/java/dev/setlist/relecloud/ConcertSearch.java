package dev.setlist.relecloud;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.queryparser.classic.MultiFieldQueryParser;
import org.apache.lucene.queryparser.classic.ParseException;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.BytesRef;

/**
 * Full-text search over concerts with Lucene: an in-memory index of title, artist, genre, venue
 * and location (title and artist weigh more), with filters on genre, date and price, sorting and
 * paging. The index is built from the database at start and caught up from it before a search
 * when a second has passed (concerts only get added, with growing ids), so every node of a
 * cluster finds concerts created on the others; {@link #catchUp()} runs at once on
 * {@code ConcertCreated}. It answers ids; the caller reads the rows (seats left change all the
 * time). Thread safe.
 */
public final class ConcertSearch implements AutoCloseable {
    private static final String[] FIELDS = {"title", "artist", "genre", "venue", "location"};
    private static final Map<String, Float> BOOSTS = Map.of("title", 3f, "artist", 3f, "genre", 1.5f, "venue", 1f,
            "location", 1f);

    /** A search: text, filters (null for none), sort, page. */
    public record Criteria(String text, String genre, Instant from, Instant to, Long minPrice, Long maxPrice,
                           String sort, int page, int size) {}

    /** A page of concert ids and how many matched. */
    public record Hits(List<Long> ids, long total) {}

    private final Store store;
    private final StandardAnalyzer analyzer = new StandardAnalyzer();
    private final ByteBuffersDirectory dir = new ByteBuffersDirectory();
    private final IndexWriter writer;
    private final SearcherManager searchers;
    private long lastId;
    private volatile long caughtUpAt;

    public ConcertSearch(Store store) {
        this.store = store;
        try {
            writer = new IndexWriter(dir, new IndexWriterConfig(analyzer));
            writer.commit();
            searchers = new SearcherManager(writer, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Adds the concerts created since the last catch-up. */
    public synchronized void catchUp() {
        try {
            while (true) {
                List<Concert> batch = store.concertsAfter(lastId, 500);
                for (Concert c : batch) {
                    writer.updateDocument(new Term("id", Long.toString(c.id())), document(c));
                    lastId = Math.max(lastId, c.id());
                }
                if (batch.size() < 500) {
                    break;
                }
            }
            searchers.maybeRefresh();
            caughtUpAt = System.nanoTime();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Document document(Concert c) {
        Document d = new Document();
        d.add(new StringField("id", Long.toString(c.id()), Field.Store.YES));
        d.add(new StoredField("concertId", c.id()));
        d.add(new TextField("title", c.title(), Field.Store.NO));
        d.add(new TextField("artist", c.artist(), Field.Store.NO));
        d.add(new TextField("genre", c.genre(), Field.Store.NO));
        d.add(new TextField("venue", c.venue(), Field.Store.NO));
        d.add(new TextField("location", c.location(), Field.Store.NO));
        d.add(new StringField("genreExact", c.genre().toLowerCase(Locale.ROOT), Field.Store.NO));
        d.add(new LongPoint("startsAt", c.startsAt().toEpochMilli()));
        d.add(new NumericDocValuesField("startsAtSort", c.startsAt().toEpochMilli()));
        d.add(new LongPoint("price", c.priceCents()));
        d.add(new NumericDocValuesField("priceSort", c.priceCents()));
        d.add(new SortedDocValuesField("titleSort", new BytesRef(c.title().toLowerCase(Locale.ROOT))));
        return d;
    }

    /** Searches concerts starting after {@code now}. */
    public Hits search(Criteria c, Instant now) {
        if (System.nanoTime() - caughtUpAt > 1_000_000_000L) {
            catchUp();
        }
        BooleanQuery.Builder q = new BooleanQuery.Builder();
        q.add(text(c.text()), BooleanClause.Occur.MUST);
        long from = Math.max(now.toEpochMilli() + 1, c.from() == null ? Long.MIN_VALUE : c.from().toEpochMilli());
        long to = c.to() == null ? Long.MAX_VALUE : c.to().toEpochMilli();
        q.add(LongPoint.newRangeQuery("startsAt", from, to), BooleanClause.Occur.FILTER);
        if (c.genre() != null) {
            q.add(new TermQuery(new Term("genreExact", c.genre().toLowerCase(Locale.ROOT))), BooleanClause.Occur.FILTER);
        }
        if (c.minPrice() != null || c.maxPrice() != null) {
            q.add(LongPoint.newRangeQuery("price", c.minPrice() == null ? Long.MIN_VALUE : c.minPrice(),
                    c.maxPrice() == null ? Long.MAX_VALUE : c.maxPrice()), BooleanClause.Occur.FILTER);
        }
        int want = (c.page() + 1) * c.size();
        try {
            IndexSearcher s = searchers.acquire();
            try {
                Sort sort = sort(c.sort(), c.text());
                TopDocs top = sort == null ? s.search(q.build(), want) : s.search(q.build(), want, sort);
                List<Long> ids = new ArrayList<>();
                ScoreDoc[] docs = top.scoreDocs;
                var stored = s.storedFields();
                for (int i = c.page() * c.size(); i < docs.length; i++) {
                    ids.add(stored.document(docs[i].doc).getField("concertId").numericValue().longValue());
                }
                return new Hits(ids, top.totalHits.value());
            } finally {
                searchers.release(s);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Query text(String text) {
        if (text == null || text.isBlank()) {
            return new MatchAllDocsQuery();
        }
        MultiFieldQueryParser parser = new MultiFieldQueryParser(FIELDS, analyzer, BOOSTS);
        parser.setDefaultOperator(QueryParser.Operator.AND);
        try {
            return parser.parse(text);
        } catch (ParseException e) {
            try {
                return parser.parse(QueryParser.escape(text));
            } catch (ParseException again) {
                return new MatchAllDocsQuery();
            }
        }
    }

    /** The sort for a sort name; null for relevance. */
    private static Sort sort(String name, String text) {
        String n = name == null ? (text == null || text.isBlank() ? "date" : "relevance") : name;
        return switch (n) {
            case "relevance" -> null;
            case "date" -> new Sort(new SortField("startsAtSort", SortField.Type.LONG));
            case "-date" -> new Sort(new SortField("startsAtSort", SortField.Type.LONG, true));
            case "price" -> new Sort(new SortField("priceSort", SortField.Type.LONG),
                    new SortField("startsAtSort", SortField.Type.LONG));
            case "-price" -> new Sort(new SortField("priceSort", SortField.Type.LONG, true),
                    new SortField("startsAtSort", SortField.Type.LONG));
            case "title" -> new Sort(new SortField("titleSort", SortField.Type.STRING));
            default -> throw new IllegalArgumentException("Unknown sort " + n);
        };
    }

    @Override
    public void close() {
        try {
            searchers.close();
            writer.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
