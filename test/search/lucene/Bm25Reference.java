// Reference BM25 scores and analyses from real Lucene (Debian liblucene8-java), for
// bm25-lucene.test.ts. Not part of the toolkit: it only prints what Lucene computes.
//
//   java Bm25Reference.java analyze                       < lines       → the EnglishAnalyzer terms of each line
//   java Bm25Reference.java search K1 B english|whitespace DOCS QUERIES → qid<TAB>docid<TAB>score for every match
//
// DOCS and QUERIES are TSV files of id<TAB>text. A query is Anserini's bag-of-words query: one
// SHOULD clause per distinct term, boosted by the term's count in the query.
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.core.WhitespaceAnalyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.*;
import org.apache.lucene.index.*;
import org.apache.lucene.search.*;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;

public class Bm25Reference {
  static List<String> terms(Analyzer a, String text) throws IOException {
    List<String> out = new ArrayList<>();
    try (TokenStream ts = a.tokenStream("contents", text)) {
      CharTermAttribute t = ts.addAttribute(CharTermAttribute.class);
      ts.reset();
      while (ts.incrementToken()) out.add(t.toString());
      ts.end();
    }
    return out;
  }

  static List<String[]> tsv(String file) throws IOException {
    List<String[]> out = new ArrayList<>();
    for (String line : Files.readAllLines(Paths.get(file), StandardCharsets.UTF_8)) {
      if (line.isEmpty()) continue;
      int tab = line.indexOf('\t');
      out.add(new String[] {line.substring(0, tab), line.substring(tab + 1)});
    }
    return out;
  }

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, "UTF-8");
    if (args[0].equals("analyze")) {
      Analyzer a = new EnglishAnalyzer();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null; ) out.println(String.join(" ", terms(a, line)));
      out.flush();
      return;
    }
    float k1 = Float.parseFloat(args[1]), b = Float.parseFloat(args[2]);
    Analyzer a = args[3].equals("english") ? new EnglishAnalyzer() : new WhitespaceAnalyzer();
    BM25Similarity sim = new BM25Similarity(k1, b);
    ByteBuffersDirectory dir = new ByteBuffersDirectory();
    IndexWriterConfig cfg = new IndexWriterConfig(a).setSimilarity(sim);
    try (IndexWriter w = new IndexWriter(dir, cfg)) {
      for (String[] d : tsv(args[4])) {
        Document doc = new Document();
        doc.add(new StringField("id", d[0], Field.Store.YES));
        doc.add(new TextField("contents", d[1], Field.Store.NO));
        w.addDocument(doc);
      }
      w.forceMerge(1);
    }
    BooleanQuery.setMaxClauseCount(100000);
    try (IndexReader r = DirectoryReader.open(dir)) {
      IndexSearcher s = new IndexSearcher(r);
      s.setSimilarity(sim);
      for (String[] q : tsv(args[5])) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String t : terms(a, q[1])) counts.merge(t, 1, Integer::sum);
        BooleanQuery.Builder bq = new BooleanQuery.Builder();
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
          bq.add(new BoostQuery(new TermQuery(new Term("contents", e.getKey())), (float) e.getValue()), BooleanClause.Occur.SHOULD);
        }
        TopDocs top = s.search(bq.build(), Math.max(1, r.maxDoc()));
        for (ScoreDoc sd : top.scoreDocs) out.println(q[0] + "\t" + s.doc(sd.doc).get("id") + "\t" + sd.score);
      }
    }
    out.flush();
  }
}
