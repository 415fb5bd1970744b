package dev.surge.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The queries of a Grafana dashboard JSON: every panel target (rows' nested panels too) and template variable. */
final class GrafanaDashboard {
    /** One query and where it is, for failure messages. */
    record Query(String where, String expression, JsonNode datasource) {
    }

    private final JsonNode root;

    GrafanaDashboard(Path file) {
        this.root = RepoFiles.json(file);
    }

    JsonNode root() {
        return root;
    }

    List<JsonNode> panels() {
        List<JsonNode> panels = new ArrayList<>();
        collectPanels(root.path("panels"), panels);
        return panels;
    }

    List<Query> queries() {
        List<Query> queries = new ArrayList<>();
        for (JsonNode panel : panels()) {
            for (JsonNode target : panel.path("targets")) {
                queries.add(new Query("panel '" + panel.path("title").asText() + "' target "
                        + target.path("refId").asText(), target.path("expr").asText(""), target.path("datasource")));
            }
        }
        for (JsonNode variable : root.path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                JsonNode query = variable.path("query");
                String expression = query.isObject() ? query.path("query").asText("") : query.asText("");
                queries.add(new Query("variable $" + variable.path("name").asText(), expression,
                        variable.path("datasource")));
            }
        }
        return queries;
    }

    private static void collectPanels(JsonNode panels, List<JsonNode> into) {
        for (JsonNode panel : panels) {
            if (panel.path("type").asText().equals("row")) {
                collectPanels(panel.path("panels"), into);
            } else {
                into.add(panel);
            }
        }
    }
}
