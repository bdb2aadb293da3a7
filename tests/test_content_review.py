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
    # The gloss is the app's: it sits in the explanation, not in the article's statement.
    assert FACTS["twitching-is-random"]["explanation"]["en"].startswith("Benign means harmless.")
    assert "not a sign of a neurological disease" in FACTS["twitching-is-random"]["explanation"]["en"]
    # Warning signs come first in a study session; this is the first card that says benign.
    assert "benign, which means harmless" in QUESTIONS["which-symptom-is-concerning"]["explanation"]["en"]
    assert "what benign means" in TOPICS["what-they-are"]["description"]["en"]


def test_exercise_intolerance_is_explained_in_plain_words():
    explanation = FACTS["bfs-exercise-intolerance"]["explanation"]["en"]
    assert explanation.startswith("Exercise intolerance means you cannot exercise as hard or as long")
    # The gloss sits close to weakness: the explanation says the article tells the two apart.
    assert "The article does not call it weakness." in explanation
    assert "cannot exercise" not in FACTS["bfs-exercise-intolerance"]["statement"]["en"]
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
    assert "pequenos abalos musculares (fasciculações)" in FACTS["what-a-fasciculation-is"]["statement"]["pt-br"]
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


# Third review (issue 23): the misleading framings


def test_which_gym_exercise_has_no_distractor_the_article_ties_to_weightlifting():
    # Squats and deadlifts are intense weightlifting, which especially injures the membranes (paragraph 9).
    assert wrong_choices("which-gym-exercise") == {"Playing the piano", "Typing on a keyboard", "Knitting"}
    assert "intense weightlifting in general" in QUESTIONS["which-gym-exercise"]["explanation"]["en"]
    assert "Sentadillas" not in all_in("es", QUESTIONS["which-gym-exercise"])


NOT_PROGRESSIVE = {
    "en": "it is not progressive: it does not keep getting worse",
    "es": "no es progresivo",
    "fr": "n’est pas évolutif",
    "de": "nicht fortschreitend",
    "pt-br": "não é progressiva",
    "ar": "ليست متفاقمة",
    "zh-hans": "不是进行性的",
    "hi": "लगातार बिगड़ता नहीं रहता",
}


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_bfs_topic_says_not_progressive_not_that_it_never_gets_worse(code):
    assert NOT_PROGRESSIVE[code] in TOPICS["bfs"]["description"][code]
    assert "does not get worse" not in TOPICS["bfs"]["description"]["en"]


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_injury_behind_unstable_membranes_is_attributed_to_the_neurologist(code):
    assert FACTS["injury-makes-membranes-unstable"]["statement"]["en"].startswith("Dr. Geraci says")
    assert EXPERT_NAME[code] in FACTS["injury-makes-membranes-unstable"]["statement"][code]
    assert EXPERT_NAME[code] in QUESTIONS["what-makes-membranes-unstable"]["prompt"][code]
    assert QUESTIONS["what-makes-membranes-unstable"]["answer"]["en"].startswith("Injury, he says")


@pytest.mark.parametrize("code", LANGUAGES)
def test_random_twitching_is_the_neurologists_word_and_benign_is_glossed_in_the_explanation(code):
    fact = FACTS["twitching-is-random"]
    assert fact["statement"]["en"] == (
        "Dr. Geraci, the neurologist in the article, calls benign twitching “simply a random phenomenon”."
    )
    assert EXPERT_NAME[code] in fact["statement"][code]
    assert "Benign means" not in fact["statement"]["en"]
    assert "inofensivo" not in fact["statement"]["es"] and "inofensivo" in fact["explanation"]["es"]


APP_GLOSS = re.compile(r" means |that is,|i\.e\.|in other words", re.IGNORECASE)


def test_no_fact_statement_carries_an_unmarked_app_gloss():
    # The app's own explanatory words go in the explanation, or in [square brackets].
    glossed = [
        fact["key"] for fact in DATA["facts"] if APP_GLOSS.search(re.sub(r"\[[^\]]*\]", "", fact["statement"]["en"]))
    ]
    assert not glossed


# Third review: the minor points


def test_the_neurologist_is_quoted_not_the_author_of_the_articles_medical_prose():
    assert "medical explanation in the article comes from" not in all_in("en")
    fact = FACTS["geraci-is-a-neurologist"]
    assert fact["statement"]["en"] == "The article quotes a neurologist, Dr. Anthony P. Geraci, on why muscles twitch."
    # The article does not say the writer asked him anything.
    assert "asks" not in fact["explanation"]["en"]
    assert "for the short medical answer" in FACTS["article-writer"]["explanation"]["en"]


def test_nothing_the_article_does_not_say_about_his_posts_and_the_field():
    assert "teaches" not in FACTS["geraci-professor"]["statement"]["en"]
    assert FACTS["geraci-professor"]["statement"]["en"].startswith("Dr. Geraci is an associate professor of neurology")
    assert "belongs to" not in FACTS["geraci-director"]["explanation"]["en"]


def test_intense_weightlifting_is_what_the_article_singles_out_not_a_strong_cause():
    assert "strong cause" not in all_in("en")
    assert FACTS["intense-weightlifting"]["statement"]["en"] == (
        "The article says this membrane injury comes especially from intense weightlifting."
    )
    assert "stark" not in FACTS["intense-weightlifting"]["statement"]["de"]


def test_the_article_says_not_progressive_without_stressing_it():
    assert "stresses" not in all_in("en")
    assert "the article says it is not progressive" in FACTS["bfs-not-progressive"]["explanation"]["en"]


def test_which_exercise_is_a_trigger_has_no_exercise_among_its_distractors():
    # Every workout injures the membranes (paragraph 8): an exercise would be defensible.
    assert wrong_choices("which-exercise-is-a-trigger") == {
        "Doing a crossword puzzle",
        "Listening to music",
        "Taking a warm bath",
    }
    assert "Yoga" not in all_in("de", QUESTIONS["which-exercise-is-a-trigger"])


def test_example_of_no_weakness_names_no_one_and_no_single_muscle():
    question = QUESTIONS["example-of-no-weakness"]
    choices = [choice["text"]["en"] for choice in question["choices"]]
    assert not any(choice.startswith("Their") or "one muscle" in choice for choice in choices)
    assert "Still doing push-ups" in choices
    assert "un seul muscle" not in all_in("fr", question)


def test_the_random_twitch_card_does_not_clash_with_the_patterns_over_time():
    question = QUESTIONS["is-there-a-pattern-in-each-twitch"]
    assert "pattern" not in question["prompt"]["en"]
    assert "the article lists many patterns" in question["explanation"]["en"]
    assert "patrón" not in question["prompt"]["es"]


def test_the_reassuring_combination_is_the_one_the_article_gives():
    question = QUESTIONS["which-combination-is-reassuring"]
    assert "the chances are pretty high that there is no neurological disease" in question["prompt"]["en"]
    assert "tranquilizadora" not in question["prompt"]["es"]


def test_weakness_is_named_outright_and_slurred_speech_is_the_example():
    assert "are examples" not in FACTS["other-symptoms-count-too"]["statement"]["en"]
    assert "Slurred speech is only one example." in FACTS["other-symptoms-count-too"]["statement"]["en"]
    assert "They are examples." not in QUESTIONS["are-there-other-concerning-symptoms"]["answer"]["en"]
    assert "It names weakness" in QUESTIONS["article-lists-every-symptom"]["explanation"]["en"]
    assert "sont des exemples" not in FACTS["other-symptoms-count-too"]["statement"]["fr"]


def test_stress_is_a_benign_cause_of_twitching_not_harmless_in_itself():
    explanation = QUESTIONS["which-symptom-is-concerning"]["explanation"]["en"]
    assert "twitching from workouts or emotional stress benign" in explanation
    assert "not caused by disease" not in all_in("en")
    assert "estrés emocional" in QUESTIONS["which-symptom-is-concerning"]["explanation"]["es"]


def test_the_topic_lines_add_nothing_the_article_does_not_say():
    assert "how it differs" not in TOPICS["what-they-are"]["description"]["en"]
    assert "the fact that it is not a spasm" in TOPICS["what-they-are"]["description"]["en"]
    assert "that need a doctor" not in TOPICS["when-to-worry"]["description"]["en"]
    assert "this app's advice to see a doctor" in TOPICS["when-to-worry"]["description"]["en"]
    assert TOPICS["triggers"]["description"]["en"] == "Specific activities that can set off benign twitching."
    assert "después de las cuales" not in TOPICS["triggers"]["description"]["es"]


# Third review: the translations


def test_french_says_persistants_for_ongoing_and_professeur_agrege():
    choices = [choice["text"]["fr"] for choice in QUESTIONS["which-matches-ongoing"]["choices"]]
    assert "Persistants pendant quelques jours" in choices
    assert not any(choice.startswith("Continus") for choice in choices)
    assert "professeur associé" not in all_in("fr").lower()
    assert QUESTIONS["geraci-academic-post"]["answer"]["fr"].startswith("Professeur agrégé (associate professor)")


ONGOING_KEYS = [
    "which-matches-ongoing",
    "can-be-ongoing-much-longer",
    "statement-about-ongoing",
    "ongoing-for-longer",
    "other-pattern-for-days",
    "do-they-always-behave-the-same",
]


def test_hindi_says_jari_for_ongoing_and_no_obvious_weakness():
    parts = [QUESTIONS.get(key) or FACTS[key] for key in ONGOING_KEYS] + [TOPICS["patterns"]]
    for part in parts:
        # लगातार is "continuously"; ongoing twitching is जारी (goes on).
        assert "लगातार" not in all_in("hi", part), part
    assert "जारी रहना" in all_in("hi", QUESTIONS["which-matches-ongoing"])
    # स्पष्ट कमज़ोरी is "obvious weakness"; the article says noticeable.
    assert "स्पष्ट कमज़ोरी" not in all_in("hi")
    assert "महसूस होने वाली कमज़ोरी" in FACTS["weakness-is-a-warning-sign"]["statement"]["hi"]


def test_arabic_says_pretty_high_not_very_high():
    assert "مرتفع جدًا" not in all_in("ar")
    assert "مرتفع إلى حدّ كبير" in QUESTIONS["does-reassurance-apply-with-weakness"]["explanation"]["ar"]


def test_brazilian_portuguese_never_says_tremor():
    # Tremor is a different clinical sign.
    assert "tremor" not in all_in("pt-br").lower()
    assert "abalos musculares" in FACTS["twitching-is-random"]["statement"]["pt-br"]


def test_spanish_glosses_fatiga_and_says_no_autoprueba():
    assert "cansancio" in FACTS["fatigue"]["statement"]["es"]
    assert "autoprueba" not in all_in("es")


def test_chinese_says_the_neurologist_treats_not_researches():
    assert "专门研究" not in all_in("zh-hans")
    assert "神经科医生是诊治大脑和神经疾病的医生" in FACTS["geraci-is-a-neurologist"]["explanation"]["zh-hans"]


def test_the_catalogues_fix_the_plural_the_emergency_line_and_the_praise_of_the_source():
    assert not any(re.search(r"%\S+ de (fatos|itens)", text) for text in translations(catalog("pt_BR")))
    emergency = catalog("de").find(EMERGENCY).msgstr
    assert "rufen Sie sofort den Rettungsdienst" in emergency and "Notruf" not in emergency
    praise = {"es": "riguros", "fr": "rigoureu", "zh_Hans": "严谨", "ar": "مقال دقيق"}
    for folder, word in praise.items():
        assert not any(word in text for text in translations(catalog(folder))), folder


# Third review: plain explanations and choices that do not give the answer away


def test_the_median_reading_grade_of_the_explanations_is_at_most_8():
    grade = readability.grader()
    assert grade is not None, "textstat is a development dependency (requirements-dev.txt)"
    # Learners read a question's explanation after every answer, and a fact's on its Learn page.
    questions = [(key, question["explanation"]["en"]) for key, question in QUESTIONS.items()]
    facts = [(fact["key"], fact["explanation"]["en"]) for fact in DATA["facts"]]
    for explanations in (questions, facts, questions + facts):
        assert readability.median_grade(readability.grades(explanations, grade)) <= readability.GRADE_LIMIT
    assert grade(FACTS["bfs-cramping"]["explanation"]["en"]) <= readability.GRADE_LIMIT


def test_the_right_choice_is_the_longest_in_at_most_a_third_of_multiple_choice_questions():
    choice_questions = [question for question in QUESTIONS.values() if question["kind"] == "multiple_choice"]
    longest = []
    for question in choice_questions:
        lengths = [len(choice["text"]["en"]) for choice in question["choices"]]
        right = next(len(choice["text"]["en"]) for choice in question["choices"] if choice["correct"])
        if right >= max(lengths):
            longest.append(question["key"])
    assert len(longest) * 3 <= len(choice_questions), longest


def test_brazilian_portuguese_says_abalos_musculares_where_the_english_says_twitching():
    # Fasciculação only where the English says fasciculation, or as the gloss in brackets.
    for text in texts(DATA):
        if not re.search("fascic", text["en"], re.IGNORECASE):
            assert "fasciculaç" not in re.sub(r"\(fasciculaç\w+\)", "", text["pt-br"]).lower(), text["pt-br"]
    assert QUESTIONS["frequency-depends-on"]["prompt"]["pt-br"].startswith("Seus abalos musculares são desencadeados")
