package dev.surge.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Prints the GET /load total, or "none" when no such endpoint answers. */
@Command(name = "total", description = "Prints the GET /load total, or \"none\".")
final class TotalCommand implements Callable<Integer> {
    @Option(names = "--load-url") List<String> loadUrls = new ArrayList<>();

    @Override
    public Integer call() {
        OptionalLong total = new LoadApi(4).total(loadUrls);
        System.out.println(total.isPresent() ? String.valueOf(total.getAsLong()) : "none");
        return 0;
    }
}
