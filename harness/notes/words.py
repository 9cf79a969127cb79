"""The words notes use, in the languages PyTorch notes are written in, for "output" and "this raises an error".

Each is a regex fragment (no groups) the readers build their patterns from, so that a language is added in one
place. English and Chinese are spelt in the patterns that need their grammar; these are the other languages'
words: Japanese (Qiita, Zenn), Korean (velog, tistory), Spanish, French, Portuguese, German, Russian (Habr),
Italian, Polish, Turkish, Vietnamese, Dutch, Indonesian, Swedish, Norwegian, Czech, Hungarian, Arabic, Thai and
Hindi blogs, course sheets and notebooks.
"""

from __future__ import annotations

# "Output", "result", "what it prints", as a label above an output or a prefix before one (`# 出力: ...`).
# Japanese kanji differ from Chinese (出力 not 输出, 結果 not 结果).
OUTPUT_NOUN = (
    r"実行結果|出力結果|出力|結果"
    r"|실행\s*결과|출력\s*결과|출력|결과"
    r"|(?i:salida|resultados?|sortie|r[ée]sultats?|affichage|sa[íi]da|ausgabe|ergebnis|вывод|результат"
    r"|uscita|risultato|wynik|wyj[śs]cie|[çc][ıi]kt[ıi]|sonu[çc]|k[ếe]t\s+qu[ảa]|đầu\s+ra"
    r"|uitvoer|resultaat|hasil(?:nya)?|keluaran|utdata|v[ýy]stup|kimenet|eredm[ée]ny)"
    r"|ผลลัพธ์|เอาต์พุต|आउटपुट|परिणाम"
    r"|الناتج|النتيجة|المخرجات"
)

# What a notebook's markdown says a cell will output: "Sortie attendue :", "Salida esperada:", "期待される出力".
EXPECTED_OUTPUT = (
    r"期待される出力|期待される結果|予想される出力|예상\s*출력|예상\s*결과"
    r"|(?i:sortie\s+attendue|r[ée]sultat\s+attendu|salida\s+esperada|resultado\s+esperado|sa[íi]da\s+esperada"
    r"|erwartete\s+ausgabe|ожидаемый\s+(?:вывод|результат)|output\s+atteso|risultato\s+atteso"
    r"|oczekiwany\s+wynik|beklenen\s+[çc][ıi]kt[ıi]|k[ếe]t\s+qu[ảa]\s+mong\s+đợi|verwachte\s+uitvoer"
    r"|output\s+yang\s+diharapkan|hasil\s+yang\s+diharapkan)|الناتج\s+المتوقع"
)

# A sentence saying the code raises: "エラーになります", "에러가 발생합니다", "esto da error", "lève une erreur".
ERROR_SAID = (
    r"エラー(?:に(?:なる|なり)|が(?:出|発生|起き)|を(?:吐|出))|例外が(?:発生|投げられ)"
    r"|(?:에러|오류|예외)(?:가|이)\s*(?:발생|나)"
    r"|(?i:\b(?:da|lanza|arroja|produce|genera|provoca|devuelve)\s+(?:un\s+)?error\b"
    r"|\b(?:l[èe]ve|provoque|d[ée]clenche|renvoie|donne)\s+une\s+(?:erreur|exception)\b"
    r"|\b(?:une\s+)?erreur\s+est\s+lev[ée]e\b"
    r"|\b(?:gera|d[áa]|lan[çc]a|levanta|causa|retorna)\s+(?:um\s+erro|uma\s+exce[çc][ãa]o|erro)\b"
    r"|\b(?:wirft|gibt|erzeugt|verursacht)\s+(?:einen|eine)\s+(?:\w+)?(?:fehler|exception|ausnahme)\b"
    r"|\bf[üu]hrt\s+zu\s+einem\s+(?:\w+)?fehler\b|\bl[öo]st\s+einen\s+(?:\w+)?fehler\s+aus\b)"
    # Russian: "получим ошибку", "будет ошибка", "выдаст ошибку", "возникает ошибка"
    r"|(?i:(?:получим|получаем|получите|будет|выдаст|выдаёт|вызовет|возникает|возникнет|упад[её]т\s+с)\s+ошибк\w*"
    r"|ошибк\w*\s+(?:возникает|возникнет|будет))"
    # Italian "genera un errore", Polish "rzuca błąd", Turkish "hata verir", Vietnamese "sẽ báo lỗi"
    r"|(?i:\b(?:genera|solleva|lancia|d[àa]|restituisce|produce)\s+(?:un\s+|un'\s*)?(?:errore|eccezione)\b"
    r"|\b(?:rzuca|wyrzuca|zwraca|dostaniemy|dostajemy|otrzymamy|pojawia\s+si[ęe])\s+(?:\w+\s+)?(?:b[łl][ąęa]d|wyj[ąa]tek)"
    r"|\bhata\s+(?:verir|veriyor|alırız|alıyoruz|fırlatır|fırlatıyor|oluşur|döner)"
    r"|(?:báo|gây|ném\s+ra|sinh\s+ra|bị)\s+lỗi"
    # Dutch "geeft een fout", Indonesian "akan error", Arabic "سيظهر خطأ"
    r"|\b(?:geeft|levert|krijg(?:en|t)?|gooit)\s+(?:je\s+|we\s+)?(?:een\s+)?(?:fout|foutmelding|error|exception)\w*"
    r"|\b(?:akan|bakal|muncul|terjadi|menghasilkan|memunculkan)\s+(?:sebuah\s+)?(?:error|galat|kesalahan|exception)\b"
    # Swedish "ger ett fel", Norwegian "gir en feil"
    r"|\b(?:ger|gir|kastar|kaster|f[åa]r\s+vi|f[åa]r\s+man)\s+(?:ett|en)\s+(?:fel|feil|felmeddelande|feilmelding|undantag|unntak)\b"
    # Czech "vyhodí chybu", Hungarian "hibát dob"
    r"|\b(?:vyhod[íi]|vyvol[áa]|hod[íi])\s+(?:\w+\s+)?(?:chybu|v[ýy]jimku)\b|\bhib[áa]t\s+(?:dob|ad|jelez)\w*)"
    # Thai "เกิด error" / "เกิดข้อผิดพลาด", Hindi "एरर आता है" / "त्रुटि"
    r"|เกิด\s*(?:error|ข้อผิดพลาด)|(?:error|ข้อผิดพลาด)\s*ขึ้น|(?:एरर|त्रुटि)\s*(?:आ|दे|मिल)"
    r"|(?:سيظهر|يظهر|يعطي|سيعطي|يرمي|يحدث|سيحدث|نحصل\s+على)\s+(?:\S+\s+)?خطأ"
)

# "Error" as a noun, in a label above a pasted traceback ("Thông báo lỗi mình nhận được:", "Fehlermeldung:").
ERROR_NOUN = (
    r"エラー|에러|오류|خطأ|(?i:errore|erreur|erro|fehler\w*|ошибк\w*|b[łl][ąęa]d\w*|hata\w*|lỗi|excepci[óo]n|exce[çc][ãa]o"
    r"|fout\w*|galat|kesalahan|felmeddelande|feilmelding|chyb\w*|hib\w*)|ข้อผิดพลาด|त्रुटि"
)
