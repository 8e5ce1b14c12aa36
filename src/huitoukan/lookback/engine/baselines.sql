-- 五个底子 (the five baselines, DOMAIN.md §2) of every village, counted by the engine that ran the
-- rules, over the same prepared snapshot tables, in the rules' dialect (DuckDB; sqlglot writes it
-- for Spark). Parameters are bound like a rule's: :year is the run's as-of year, :poverty_line and
-- :borderline_upper come from the run's policy profile.
--
-- Every count but `households` counts living members (person.deceased false) of the village's
-- registry households:
--   households               every registry household, whatever its status
--   people                   living members
--   not_lifted_people        members of households with status not_lifted (未脱贫)
--   stably_lifted_people     members of lifted (已脱贫) households whose per-capita net income is at
--                            least the borderline upper bound (稳定脱贫)
--   borderline_people        members of lifted or marginal (边缘易致贫户) households whose per-capita
--                            net income lies in [poverty line, borderline upper bound) (边缘人口)
--   returned_people          members of households with status returned (返贫)
--   newly_identified_people  members of households identified in the run's year (新识别), any status
-- A household without a recorded per-capita income counts in neither stably lifted nor borderline.
WITH living AS (
    SELECT household_id, COUNT(*) AS n
    FROM person
    WHERE NOT COALESCE(deceased, FALSE)
    GROUP BY household_id
), counted AS (
    SELECT h.village_code, h.status, h.per_capita_income, h.identified_year, COALESCE(l.n, 0) AS n
    FROM household h LEFT JOIN living l ON l.household_id = h.household_id
)
SELECT
    village_code,
    CAST(COUNT(*) AS BIGINT) AS households,
    CAST(SUM(n) AS BIGINT) AS people,
    CAST(SUM(CASE WHEN status = 'not_lifted' THEN n ELSE 0 END) AS BIGINT) AS not_lifted_people,
    CAST(SUM(CASE WHEN status = 'lifted' AND per_capita_income >= :borderline_upper
                  THEN n ELSE 0 END) AS BIGINT) AS stably_lifted_people,
    CAST(SUM(CASE WHEN status IN ('lifted', 'marginal') AND per_capita_income >= :poverty_line
                       AND per_capita_income < :borderline_upper
                  THEN n ELSE 0 END) AS BIGINT) AS borderline_people,
    CAST(SUM(CASE WHEN status = 'returned' THEN n ELSE 0 END) AS BIGINT) AS returned_people,
    CAST(SUM(CASE WHEN identified_year = :year THEN n ELSE 0 END) AS BIGINT) AS newly_identified_people
FROM counted
GROUP BY village_code
ORDER BY village_code
