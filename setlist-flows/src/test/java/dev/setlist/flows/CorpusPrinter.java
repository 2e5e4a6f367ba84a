package dev.setlist.flows;

import java.nio.file.Files;
import java.nio.file.Path;

/** Prints what the loader reports for each corpus file (a tool for writing expectations). */
class CorpusPrinter {
    public static void main(String[] args) throws Exception {
        for (String a : args) {
            System.out.println("== " + a);
            for (Problem p : Catalog.check(Files.readString(Path.of(a)), CatalogCorpusTest.SERVER)) {
                System.out.println("# expect: " + p.located());
            }
        }
    }
}
