"""The content review (issue 9): each fix asserted by key, plain language,
the translations' terms, French typography in the .po files, and the
emergency line of the disclaimer in every language."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from django.utils.html import escape

from quiz import content_file, readability

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = [code for code, _name in settings.LANGUAGES]
DATA = json.loads(content_file.DEFAULT_PATH.read_text(encoding="utf-8"))
FACTS = {fact["key"]: fact for fact in DATA["facts"]}
QUESTIONS = {question["key"]: question for fact in DATA["facts"] for question in fact["questions"]}
TOPICS = {topic["slug"]: topic for topic in DATA["topics"]}
EMERGENCY = "If weakness, slurred speech or a drooping face comes on suddenly, call emergency services at once."


def texts(node) -> list[dict[str, str]]:
    """Every translated text ({lang: text}) inside a part of the content file."""
    if isinstance(node, dict):
        if isinstance(node.get("en"), str):
            return [node]
        return [text for value in node.values() for text in texts(value)]
    if isinstance(node, list):
        return [text for value in node for text in texts(value)]
    return []


def all_in(code: str, node=DATA) -> str:
    return "\n".join(text[code] for text in texts(node))


def wrong_choices(key: str) -> set[str]:
    return {choice["text"]["en"] for choice in QUESTIONS[key]["choices"] if not choice["correct"]}


# The five misleading framings


def test_the_everyday_strength_examples_are_the_articles_examples_not_a_self_test():
    fact = FACTS["everyday-strength-shows-no-weakness"]
    assert fact["statement"]["en"].startswith("The article gives examples")
    assert "not a test" in fact["statement"]["en"]
    assert "Advice from this app: do not use them as a self-test" in fact["explanation"]["en"]
    # The article says nothing of where weakness starts: the app adds no such claim.
    assert "grip" not in json.dumps(DATA)
    assert "article's examples" in QUESTIONS["example-of-no-weakness"]["prompt"]["en"]
    assert "not a test" in QUESTIONS["example-of-no-weakness"]["explanation"]["en"]
    assert "not a test" in QUESTIONS["stairs-shows-no-weakness"]["explanation"]["en"]


OVERSTATED_ONGOING = {
    "en": r"continuous|without (a )?(pause|break)|non-stop",
    "es": r"sin pausa|sin interrupción|continu[ao]s\b",
    "fr": r"sans (pause|interruption)|\bcontinu(e|s|es)?\b",
    "de": r"ohne Pause|ununterbrochen",
    "pt-br": r"sem (pausa|parar)|contínu",
    "ar": r"دون توقّف",
    "zh-hans": r"不断|没有间歇|不间断",
    "hi": r"बिना रुके",
}


@pytest.mark.parametrize("code", LANGUAGES)
def test_ongoing_twitching_is_never_called_continuous(code):
    parts = [
        FACTS["ongoing-for-days"],
        FACTS["ongoing-for-longer"],
        TOPICS["patterns"],
        QUESTIONS["do-they-always-behave-the-same"],
    ]
    found = [text[code] for part in parts for text in texts(part) if re.search(OVERSTATED_ONGOING[code], text[code])]
    assert not found


def test_bfs_comes_with_cramping_or_exercise_intolerance_not_usually_cramping():
    statement = FACTS["bfs-cramping"]["statement"]["en"]
    assert "some cramping, or exercise intolerance, or both" in statement
    # Cramping is never named alone, as if it always came with the syndrome.
    assert not re.search(r"(usually|typically) (involves|brings|comes with) some cramping\.", all_in("en"))
    assert QUESTIONS["one-thing-with-bfs"]["answer"]["en"] == "Some cramping, or exercise intolerance, or both."


EXPERT_NAME = {"en": "Geraci", "es": "Geraci", "fr": "Geraci", "de": "Geraci", "pt-br": "Geraci"}
EXPERT_NAME |= {"ar": "جيراسي", "zh-hans": "杰拉奇", "hi": "जेरासी"}


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_simplified_explanation_is_attributed_to_the_neurologist(code):
    assert EXPERT_NAME[code] in FACTS["unstable-membranes"]["statement"][code]
    assert EXPERT_NAME[code] in QUESTIONS["what-is-behind-benign-twitches"]["prompt"][code]
    assert "simplified" in QUESTIONS["what-is-behind-benign-twitches"]["explanation"]["en"]


def test_the_reassurance_is_never_turned_into_its_converse():
    explanation = QUESTIONS["does-reassurance-apply-with-weakness"]["explanation"]["en"]
    assert "pretty high when there is no noticeable weakness" in explanation
    assert "only when" not in all_in("en")
    assert "does not apply" not in all_in("en")


# The minor points


def test_see_a_doctor_is_marked_as_the_apps_advice():
    for text in texts(DATA["facts"]):
        if re.search(r"see a doctor", text["en"], re.IGNORECASE):
            assert "Advice from this app:" in text["en"], text["en"]
    for fact in DATA["facts"]:
        if fact["is_warning_sign"]:
            assert "Advice from this app: see a doctor" in fact["statement"]["en"], fact["key"]


def test_the_definition_of_a_fasciculation_is_the_articles_word_not_what_doctors_say():
    explanation = FACTS["what-a-fasciculation-is"]["explanation"]["en"]
    assert "Doctors call" not in explanation
    assert explanation.startswith("Fasciculation is the medical word the article uses")


def test_working_out_is_when_the_injury_happens_not_an_example_of_it():
    prompt = QUESTIONS["working-out-can-cause-the-injury"]["prompt"]["en"]
    assert "example of the injury" not in prompt
    assert "can happen when we work out" in prompt


def test_the_triggers_are_the_articles_examples_not_four_activities():
    assert "four" not in QUESTIONS["name-the-triggers"]["prompt"]["en"]
    assert "examples" in QUESTIONS["name-the-triggers"]["prompt"]["en"]
    assert "four" not in QUESTIONS["bench-press-is-a-trigger"]["explanation"]["en"]


def test_the_causes_topic_names_emotional_stress_and_mineral_deficiencies():
    description = TOPICS["causes"]["description"]
    assert description["en"].endswith("emotional stress and mineral deficiencies.")
    assert "estrés emocional y carencias de minerales" in description["es"]
    assert "Mineralstoffmangel" in description["de"]


def test_each_exercise_question_has_its_own_distractors():
    keys = ["which-exercise-especially-injures", "which-exercise-is-a-trigger", "which-gym-exercise"]
    choices = [wrong_choices(key) for key in keys]
    assert all(len(group) == 3 for group in choices)
    assert not (choices[0] & choices[1] or choices[0] & choices[2] or choices[1] & choices[2])


def test_english_spelling_is_american():
    assert not re.search(r"speciali[sz]es", all_in("en").replace("specializes", ""))


# Plain language


def test_benign_is_defined_where_a_learner_first_meets_it():
    assert "Benign means harmless: not caused by a disease." in FACTS["twitching-is-random"]["statement"]["en"]
    # Warning signs come first in a study session; this is the first card that says benign.
    assert (
        "which means harmless and not caused by disease"
        in QUESTIONS["which-symptom-is-concerning"]["explanation"]["en"]
    )
    assert "what benign means" in TOPICS["what-they-are"]["description"]["en"]


def test_exercise_intolerance_is_explained_in_plain_words():
    assert "cannot exercise as hard or as long" in FACTS["bfs-exercise-intolerance"]["statement"]["en"]
    assert "Exercise intolerance means" in FACTS["bfs-cramping"]["explanation"]["en"]
    assert "（运动能力下降" in FACTS["bfs-cramping"]["statement"]["zh-hans"]


def test_the_median_reading_grade_of_the_english_fact_statements_is_at_most_8():
    grade = readability.grader()
    assert grade is not None, "textstat is a development dependency (requirements-dev.txt)"
    graded = readability.grades([(fact["key"], fact["statement"]["en"]) for fact in DATA["facts"]], grade)
    assert readability.median_grade(graded) <= readability.GRADE_LIMIT


def test_a_long_sentence_reads_at_a_higher_grade_than_a_short_one():
    grade = readability.grader()
    assert grade is not None
    short = "Hiking can set off benign twitching."
    long = (
        "Intermittent fasciculations, notwithstanding their considerable variability, "
        "occasionally accompany neuromuscular conditions."
    )
    assert grade(long) > readability.GRADE_LIMIT >= grade(short)


def test_check_content_reports_the_median_grade_and_the_hardest_statements(content, capsys):
    call_command("check_content")
    output = capsys.readouterr().out
    assert "INFO readability: median Flesch-Kincaid grade of the English fact statements is" in output
    assert "INFO fact bfs-cramping: statement reads at grade" in output
    assert "Content OK" in output


# Translations of the content


def test_spanish_says_sacudidas_musculares_not_contracciones():
    assert "contracci" not in all_in("es").lower()
    assert "sacudidas musculares (fasciculaciones)" in FACTS["what-a-fasciculation-is"]["statement"]["es"]
    assert "profesor asociado (associate professor)" in DATA["sources"][0]["expert_credentials"]["es"]
    assert "profesor asociado (associate professor)" in FACTS["geraci-professor"]["statement"]["es"]


def test_french_uses_professeur_agrege_with_the_english_title():
    assert "professeur associé" not in all_in("fr")
    assert "professeur agrégé (associate professor)" in DATA["sources"][0]["expert_credentials"]["fr"]


def test_german_uses_lay_words_for_exercise_intolerance_and_fatigue():
    german = all_in("de")
    assert "Belastungsintoleranz" not in german and "Müdigkeit" not in german
    assert QUESTIONS["besides-cramping"]["answer"]["de"] == "Verminderte körperliche Belastbarkeit."
    assert FACTS["fatigue"]["statement"]["de"].startswith("Erschöpfung")
    assert "Personal-Trainerin" in FACTS["article-writer"]["statement"]["de"]


def test_brazilian_portuguese_defines_the_term_and_drops_contracoes_involuntarias():
    portuguese = all_in("pt-br")
    assert "contraç" not in portuguese.lower()
    assert "pequenos tremores musculares (fasciculações)" in FACTS["what-a-fasciculation-is"]["statement"]["pt-br"]
    assert "personal trainer" in FACTS["article-writer"]["statement"]["pt-br"]
    assert "é a neurologista citada" in QUESTIONS["writer-is-the-neurologist"]["prompt"]["pt-br"]


def test_arabic_uses_painful_cramps_heavy_speech_and_the_stair_machine():
    arabic = all_in("ar")
    assert "الشدّ العضلي" not in arabic and "تداخل الكلام" not in arabic and "الدرج الدوّار" not in arabic
    assert "التقلّصات العضلية المؤلمة" in FACTS["bfs-cramping"]["statement"]["ar"]
    assert "ثقل الكلام" in FACTS["slurred-speech-is-a-warning-sign"]["statement"]["ar"]
    assert "جهاز صعود الدرج" in FACTS["revolving-staircase"]["statement"]["ar"]


def test_chinese_does_not_overstate_ongoing_twitching():
    assert FACTS["ongoing-for-days"]["statement"]["zh-hans"] == "良性肌束颤动也可以持续几天。"


def test_hindi_tells_spasm_from_cramp_and_glosses_benign():
    hindi = all_in("hi")
    # ऐंठन is a cramp in everyday Hindi: it only ever stands for one, glossed.
    assert hindi.count("ऐंठन") == hindi.count("ऐंठन (क्रैम्प)") > 0
    assert "अकड़न (स्पाज़्म)" in FACTS["not-spasms"]["statement"]["hi"]
    assert TOPICS["bfs"]["name"]["hi"].startswith("बिनाइन (हानिरहित)")
    assert "बेतरतीब" not in hindi
    director = FACTS["geraci-director"]
    assert "प्रमुख" not in all_in("hi", director) and "निदेशक" in director["statement"]["hi"]


# The interface (.po files)


def catalog(folder: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / folder / "LC_MESSAGES" / "django.po"))


def translations(po: polib.POFile) -> list[str]:
    return [text for entry in po for text in [entry.msgstr, *entry.msgstr_plural.values()] if text]


def assert_french_typography(text: str) -> None:
    plain = re.sub(r"&\w+;|https?://\S+", "", text)
    for match in re.finditer(r"[;?!»]|:(?=\s|$)", plain):
        assert plain[match.start() - 1] == "\u202f", text
    for match in re.finditer(r"«", plain):
        assert plain[match.end()] == "\u202f", text


def test_french_puts_a_narrow_no_break_space_before_double_punctuation_and_inside_guillemets():
    for text in translations(catalog("fr")):
        assert_french_typography(text)


def test_the_french_content_follows_the_same_typography():
    for text in texts(DATA):
        assert_french_typography(text["fr"])


def test_french_names_the_site_and_the_study_action_consistently():
    po = catalog("fr")
    assert po.find("Twitch Facts").msgstr == "Fasciculations\u202f: les faits"
    assert not any("Infos tressautements" in text for text in translations(po))
    assert po.find("Study").msgstr == "Réviser"
    assert not any(text.startswith("Étudier") for text in translations(po))


def test_arabic_keeps_a_space_between_waw_and_a_latin_word():
    for text in translations(catalog("ar")):
        assert not re.search(r"(?<![\u0600-\u06FF])و[A-Za-z]", text), text
    assert "و U" in catalog("ar").find("Space or Enter shows the answer, 1 to 4 grade, U undoes.").msgstr


def test_hindi_says_not_quite_right_and_portuguese_names_the_site():
    assert catalog("hi").find("Not quite.").msgstr == "पूरी तरह सही नहीं।"
    assert catalog("pt_BR").find("Twitch Facts").msgstr == "Fatos sobre fasciculações"


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_disclaimer_says_to_call_emergency_services_in_every_language(client, content, code):
    with translation.override(code):
        line = translation.gettext(EMERGENCY)
    assert (line != EMERGENCY) == (code != "en")
    # The locale middleware activates the page's language; leave the thread as it was.
    with translation.override("en"):
        html = client.get("/" if code == "en" else f"/{code}/").content.decode()
    footer = html[html.index('id="disclaimer"') :]
    assert escape(line) in footer
