/**
 * The Porter stemmer exactly as Lucene's `PorterStemmer` (org.apache.lucene.analysis.en) runs it:
 * Martin Porter's C implementation of his 1980 algorithm, with its departures from the paper
 * (step 2 maps `bli` → `ble` and `logi` → `log`), words of one or two characters left alone, and
 * every character other than a e i o u (and y after a vowel) counted as a consonant. Lucene's
 * EnglishAnalyzer, and so Pyserini's default BM25 analyzer, stems with it; test/search/lucene/
 * checks this port against Lucene itself.
 */

/** Stems one lower-cased word. */
export function porterStem(word: string): string {
  if (word.length <= 2) return word;
  return new PorterWord(word).stem();
}

/** One stemming pass; `b[0..k]` is the word so far and `j` the stem end set by `ends`. */
class PorterWord {
  private b: string[];
  private k: number;
  private j = 0;

  constructor(word: string) {
    this.b = [...word];
    this.k = this.b.length - 1;
  }

  stem(): string {
    if (this.k > 1) {
      this.step1();
      this.step2();
      this.step3();
      this.step4();
      this.step5();
      this.step6();
    }
    return this.b.slice(0, this.k + 1).join('');
  }

  /** b[i] is a consonant: not a e i o u, and y only when it follows a vowel (or starts the word). */
  private cons(i: number): boolean {
    switch (this.b[i]) {
      case 'a': case 'e': case 'i': case 'o': case 'u':
        return false;
      case 'y':
        return i === 0 ? true : !this.cons(i - 1);
      default:
        return true;
    }
  }

  /** m: the number of vowel-consonant sequences in b[0..j] ([C](VC)^m[V]). */
  private m(): number {
    let n = 0;
    let i = 0;
    for (;;) {
      if (i > this.j) return n;
      if (!this.cons(i)) break;
      i++;
    }
    i++;
    for (;;) {
      for (;;) {
        if (i > this.j) return n;
        if (this.cons(i)) break;
        i++;
      }
      i++;
      n++;
      for (;;) {
        if (i > this.j) return n;
        if (!this.cons(i)) break;
        i++;
      }
      i++;
    }
  }

  private vowelInStem(): boolean {
    for (let i = 0; i <= this.j; i++) if (!this.cons(i)) return true;
    return false;
  }

  private doubleC(j: number): boolean {
    if (j < 1) return false;
    if (this.b[j] !== this.b[j - 1]) return false;
    return this.cons(j);
  }

  /** b[i-2..i] is consonant-vowel-consonant and the last is not w, x or y. */
  private cvc(i: number): boolean {
    if (i < 2 || !this.cons(i) || this.cons(i - 1) || !this.cons(i - 2)) return false;
    const ch = this.b[i];
    return !(ch === 'w' || ch === 'x' || ch === 'y');
  }

  private ends(s: string): boolean {
    const l = s.length;
    const o = this.k - l + 1;
    if (o < 0) return false;
    for (let i = 0; i < l; i++) if (this.b[o + i] !== s[i]) return false;
    this.j = this.k - l;
    return true;
  }

  private setTo(s: string): void {
    const o = this.j + 1;
    for (let i = 0; i < s.length; i++) this.b[o + i] = s[i];
    this.k = this.j + s.length;
  }

  private r(s: string): void {
    if (this.m() > 0) this.setTo(s);
  }

  /** Plurals and -ed / -ing. */
  private step1(): void {
    const b = this.b;
    if (b[this.k] === 's') {
      if (this.ends('sses')) this.k -= 2;
      else if (this.ends('ies')) this.setTo('i');
      else if (b[this.k - 1] !== 's') this.k--;
    }
    if (this.ends('eed')) {
      if (this.m() > 0) this.k--;
    } else if ((this.ends('ed') || this.ends('ing')) && this.vowelInStem()) {
      this.k = this.j;
      if (this.ends('at')) this.setTo('ate');
      else if (this.ends('bl')) this.setTo('ble');
      else if (this.ends('iz')) this.setTo('ize');
      else if (this.doubleC(this.k)) {
        const ch = b[this.k--];
        if (ch === 'l' || ch === 's' || ch === 'z') this.k++;
      } else if (this.m() === 1 && this.cvc(this.k)) this.setTo('e');
    }
  }

  /** Terminal y → i when there is another vowel in the stem. */
  private step2(): void {
    if (this.ends('y') && this.vowelInStem()) this.b[this.k] = 'i';
  }

  /** Double suffixes → single ones (-ization → -ize, ...), when m > 0. */
  private step3(): void {
    if (this.k > 0) this.replaceFirst(STEP3[this.b[this.k - 1]]);
  }

  /** -ic-, -full, -ness etc., when m > 0. */
  private step4(): void {
    this.replaceFirst(STEP4[this.b[this.k]]);
  }

  /** The first rule whose suffix ends the word replaces it (when m > 0); later rules are not tried. */
  private replaceFirst(rules: [string, string][] | undefined): void {
    for (const [suffix, to] of rules ?? []) {
      if (this.ends(suffix)) {
        this.r(to);
        return;
      }
    }
  }

  /** -ant, -ence etc. removed in context <c>vcvc<v> (m > 1). */
  private step5(): void {
    if (this.k === 0) return;
    const c = this.b[this.k - 1];
    let found = false;
    if (c === 'o') {
      found = (this.ends('ion') && this.j >= 0 && (this.b[this.j] === 's' || this.b[this.j] === 't')) || this.ends('ou');
    } else {
      for (const suffix of STEP5[c] ?? []) {
        if (this.ends(suffix)) {
          found = true;
          break;
        }
      }
    }
    if (found && this.m() > 1) this.k = this.j;
  }

  /** A final -e removed when m > 1 (or m = 1 and not cvc), and -ll → -l when m > 1. */
  private step6(): void {
    this.j = this.k;
    if (this.b[this.k] === 'e') {
      const a = this.m();
      if (a > 1 || (a === 1 && !this.cvc(this.k - 1))) this.k--;
    }
    if (this.b[this.k] === 'l' && this.doubleC(this.k) && this.m() > 1) this.k--;
  }
}

/** Step 3 rules by the penultimate letter, tried in order (the first suffix that ends the word decides). */
const STEP3: Record<string, [string, string][]> = {
  a: [['ational', 'ate'], ['tional', 'tion']],
  c: [['enci', 'ence'], ['anci', 'ance']],
  e: [['izer', 'ize']],
  l: [['bli', 'ble'], ['alli', 'al'], ['entli', 'ent'], ['eli', 'e'], ['ousli', 'ous']],
  o: [['ization', 'ize'], ['ation', 'ate'], ['ator', 'ate']],
  s: [['alism', 'al'], ['iveness', 'ive'], ['fulness', 'ful'], ['ousness', 'ous']],
  t: [['aliti', 'al'], ['iviti', 'ive'], ['biliti', 'ble']],
  g: [['logi', 'log']],
};

/** Step 4 rules by the last letter. */
const STEP4: Record<string, [string, string][]> = {
  e: [['icate', 'ic'], ['ative', ''], ['alize', 'al']],
  i: [['iciti', 'ic']],
  l: [['ical', 'ic'], ['ful', '']],
  s: [['ness', '']],
};

/** Step 5 suffixes by the penultimate letter ('o' is special-cased: -ion after s or t, -ou). */
const STEP5: Record<string, string[]> = {
  a: ['al'],
  c: ['ance', 'ence'],
  e: ['er'],
  i: ['ic'],
  l: ['able', 'ible'],
  n: ['ant', 'ement', 'ment', 'ent'],
  s: ['ism'],
  t: ['ate', 'iti'],
  u: ['ous'],
  v: ['ive'],
  z: ['ize'],
};
