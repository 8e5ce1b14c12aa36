"""Random Chinese personal names: a common surname and one or two common given-name characters.

No list of real people is involved: names are independent draws, so any resemblance to a person is
the resemblance of 王伟 to the hundreds of thousands of real 王伟. Every character is in GBK, because
some department files are written in GBK.
"""

from __future__ import annotations

import numpy as np

# The hundred most common surnames, roughly by frequency (weights decline geometrically).
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_SURNAME_WEIGHTS = 0.965 ** np.arange(len(SURNAMES))
SURNAME_P = _SURNAME_WEIGHTS / _SURNAME_WEIGHTS.sum()

# Given-name characters, by sex and by generation (names changed with fashion: 建国 and 秀英 are
# born before 1980, 子轩 and 欣怡 after 2000).
MALE_OLD = list("国建军明华平德福生荣贵富财顺才发云江金山永忠全学春祥武庆新光清进文志成东海林兴正良")
MALE_MID = list("伟强磊勇杰涛斌超刚辉鹏飞鑫波宇浩凯健俊帆帅旭宁龙林阳峰亮兵军明东")
MALE_NEW = list("子轩浩宇梓豪俊泽睿博文涵宇航铭晨天佑嘉诚逸凡一鸣瑞阳家乐宸")
FEMALE_OLD = list("秀英桂兰玉珍凤花梅芬莲翠菊香琴云霞淑珠美素荣金爱春")
FEMALE_MID = list("芳娜敏静丽艳娟霞燕玲红梅琴萍丹慧洁佳琳倩颖晶月雪婷")
FEMALE_NEW = list("欣怡梓涵诗雨萱可馨子彤语嫣思佳一诺梦琪雅婷紫悦佳怡晨曦")

_POOLS = {
    (True, 0): np.array(MALE_OLD, dtype=object),
    (True, 1): np.array(MALE_MID, dtype=object),
    (True, 2): np.array(MALE_NEW, dtype=object),
    (False, 0): np.array(FEMALE_OLD, dtype=object),
    (False, 1): np.array(FEMALE_MID, dtype=object),
    (False, 2): np.array(FEMALE_NEW, dtype=object),
}
_SURNAME_ARRAY = np.array(SURNAMES, dtype=object)


def draw_surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    """Indices into SURNAMES."""
    return rng.choice(len(SURNAMES), size=n, p=SURNAME_P)


def surname_strings(indices: np.ndarray) -> np.ndarray:
    return _SURNAME_ARRAY[indices]


def draw_given_names(rng: np.random.Generator, male: np.ndarray, birth_year: np.ndarray) -> np.ndarray:
    """One or two characters per person (a quarter of people have a one-character given name)."""
    n = len(male)
    generation = np.where(birth_year < 1975, 0, np.where(birth_year < 2000, 1, 2))
    first = np.empty(n, dtype=object)
    second = np.empty(n, dtype=object)
    u1 = rng.random(n)
    u2 = rng.random(n)
    for (is_male, gen), pool in _POOLS.items():
        sel = (male == is_male) & (generation == gen)
        k = int(sel.sum())
        if k == 0:
            continue
        first[sel] = pool[(u1[sel] * len(pool)).astype(np.int64)]
        second[sel] = pool[(u2[sel] * len(pool)).astype(np.int64)]
    single = rng.random(n) < 0.25
    second[single] = ""
    # 王伟伟-style doubled characters are fine, but 伟伟 from two draws of one pool is too frequent.
    same = (first == second) & ~single
    second[same] = ""
    return first + second


def full_names(rng: np.random.Generator, surname_idx: np.ndarray, male: np.ndarray,
               birth_year: np.ndarray) -> np.ndarray:
    return surname_strings(surname_idx) + draw_given_names(rng, male, birth_year)
