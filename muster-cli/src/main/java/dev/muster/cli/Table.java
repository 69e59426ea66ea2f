package dev.muster.cli;

import java.util.List;

/** A plain-text table of the client commands: columns as wide as their widest value, two spaces apart. */
final class Table {

    private Table() {}

    /**
     * The rows, the first being the header, one line each; the last column is not padded and
     * trailing blanks are cut.
     */
    static String format(List<String[]> rows) {
        int columns = rows.get(0).length;
        int[] width = new int[columns - 1];
        for (String[] r : rows) {
            for (int c = 0; c < width.length; c++) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < width.length; c++) {
                line.append(String.format("%-" + width[c] + "s  ", r[c]));
            }
            out.append(line.append(r[width.length]).toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }
}
