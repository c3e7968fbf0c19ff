"""Similar-request detection benchmark (pure domain, no database).

(a) ``cluster`` over ``--n`` synthetic request texts (default 1,000,000; target <= 60 s on the
    2-core machine): texts/s, seconds, CPU seconds of this process and of its workers (from
    50,000 items ``cluster`` forks one per core for the per-text work and the pair scores;
    ``--workers 0`` keeps it in one process), peak RSS of this process and of the largest
    worker.  Wall time depends on what else runs on the cores.  Then, on a ``--sample``
    (3,000) subset: of the pairs an exact all-pairs comparison (``score >= threshold``, every
    pair sharing a content gram scored) finds, the share the big run put into one topic — a greedy
    assignment with vetoes does not join every such pair, so this is a lower bound — and
    pair recall/precision against the generator's own topics.  The exact join is checked
    against brute force on a small sample first.
(b) per-application incremental cost at intake without the database: features, band and slot
    keys, ``assign`` among 20 candidate texts (their features computed too), explanation and
    slot profile; p50/p99 in ms (target p99 <= 50 ms).  ``bench_intake_index.py`` measures
    the whole ``index_request`` on PostgreSQL.

Texts come from templates: ~90 subjects (each with paraphrases), ~190 places, 11 years,
request boilerplate, Arabic / Chinese / full-width numerals, several word orders; topic
popularity is Zipf-like, so a few topics have thousands of requests and most have a handful.

    .venv/bin/python bench/bench_similarity.py [--n 1000000] [--sample 3000] [--seed 1]
        [--workers N]
"""

from __future__ import annotations

import argparse
import gc
import itertools
import random
import resource
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402

from requests_service.domain import similarity as sim  # noqa: E402

# (subject id, paraphrases, takes a year)
SUBJECTS: list[tuple[list[str], bool]] = [
    (["房屋征收补偿标准", "拆迁补偿标准", "征收补偿标准", "房屋拆迁补偿标准"], True),
    (["财政预算", "财政预算报告", "财政预算公开"], True),
    (["财政决算", "财政决算报告"], True),
    (["部门预算", "部门预算公开表"], True),
    (["三公经费决算", "“三公”经费决算情况", "三公经费支出决算"], True),
    (["老旧小区改造项目清单", "老旧小区改造项目名单", "老旧小区改造计划项目清单"], True),
    (["老旧小区改造资金使用情况", "老旧小区改造专项资金使用明细"], True),
    (["城中村改造项目清单", "城中村改造计划"], True),
    (["人才住房配租名单", "人才房配租人员名单", "人才住房配租对象名单"], True),
    (["公租房轮候名单", "公共租赁住房轮候名单", "公租房轮候家庭名单"], False),
    (["最低工资标准", "最低工资标准调整文件", "最低工资标准调整的通知"], True),
    (["最低生活保障标准", "低保标准"], True),
    (["水质监测数据", "水质监测报告", "河道水质监测数据"], True),
    (["空气质量监测数据", "PM2.5监测数据", "空气质量日报数据"], True),
    (["小学学区划分方案", "小学招生学区划分", "小学学区划分范围"], True),
    (["初中学区划分方案", "初中招生学区划分", "初中学区划分范围"], True),
    (["幼儿园收费标准", "公办幼儿园保教费标准"], True),
    (["垃圾焚烧发电厂选址论证报告", "生活垃圾焚烧发电项目选址论证材料"], False),
    (["垃圾焚烧发电厂环评报告", "生活垃圾焚烧发电项目环境影响评价报告"], False),
    (["地铁站点规划", "地铁站点设置方案", "轨道交通站点规划"], False),
    (["医保基金飞行检查结果", "医疗保障基金飞行检查结果通报"], True),
    (["医保药品目录调整文件", "医保目录调整方案"], True),
    (["加装电梯财政补贴标准", "既有住宅加装电梯补贴标准", "多层住宅增设电梯补贴标准"], False),
    (["政府常务会议纪要", "常务会议纪要", "区政府常务会议纪要"], True),
    (["政府工作报告"], True),
    (["重大行政决策事项目录", "重大行政决策目录"], True),
    (["行政处罚案件汇总", "行政处罚决定汇总表"], True),
    (["食品安全抽检结果", "食品安全监督抽检信息", "食品安全抽检公告"], True),
    (["集体土地征收批复文件", "土地征收批复", "征地批复"], True),
    (["征地补偿款发放明细", "土地征收补偿费发放情况", "征地补偿安置费用发放明细"], True),
    (["国有土地使用权出让合同", "土地出让合同"], True),
    (["建设工程规划许可证", "建设工程规划许可证及附图"], False),
    (["道路拓宽工程环评报告", "道路拓宽项目环境影响评价报告"], False),
    (["控制性详细规划", "控规调整方案", "控制性详细规划调整"], True),
    (["棚户区改造安置方案", "棚改安置方案"], True),
    (["保障性住房分配结果", "保障房分配名单"], True),
    (["安置房分配方案", "回迁安置房分配方案"], True),
    (["违法建筑拆除决定书", "违章建筑拆除决定", "违建强制拆除决定书"], False),
    (["环境行政处罚决定书", "环保处罚决定书"], True),
    (["企业环境信用评价结果", "环境信用评价名单"], True),
    (["排污许可证发放情况", "排污许可证核发名单"], True),
    (["政府采购合同", "政府采购项目合同"], True),
    (["政府投资项目计划", "政府投资项目年度计划"], True),
    (["专项债券资金使用情况", "专项债资金使用明细"], True),
    (["债务限额及余额", "政府债务余额"], True),
    (["土地储备计划", "土地储备年度计划"], True),
    (["征收土地公告", "征地公告"], True),
    (["拆迁安置补偿协议范本", "征收补偿协议范本"], False),
    (["学校食堂食品安全检查结果", "学校食堂食品安全监督检查记录"], True),
    (["义务教育招生政策", "义务教育阶段招生入学政策"], True),
    (["教师招聘考试成绩", "教师招聘成绩公示"], True),
    (["公务员招录体检名单", "公务员录用体检人员名单"], True),
    (["事业单位公开招聘结果", "事业单位招聘拟聘用名单"], True),
    (["5G基站建设规划", "5G基站布局规划"], True),
    (["道路交通事故统计数据", "交通事故统计"], True),
    (["交通违法停车罚款收入", "违停罚款收入"], True),
    (["停车收费标准", "公共停车场收费标准"], True),
    (["出租车运力投放计划", "出租汽车运力投放方案"], True),
    (["公交线路调整方案", "公交线路优化调整方案"], True),
    (["城市更新项目计划", "城市更新单元计划"], True),
    (["历史建筑保护名录", "历史建筑名录"], False),
    (["文物保护单位名单", "文保单位名录"], False),
    (["河道整治工程招标文件", "河道综合整治项目招标文件"], True),
    (["防汛应急预案", "防汛抗旱应急预案"], True),
    (["地质灾害隐患点名单", "地质灾害隐患点分布"], True),
    (["安全生产事故调查报告", "生产安全事故调查报告"], True),
    (["消防安全检查结果", "消防监督检查情况"], True),
    (["燃气管道改造计划", "老旧燃气管道更新改造计划"], True),
    (["供暖收费标准", "集中供暖价格"], True),
    (["自来水价格调整听证材料", "水价调整听证会材料"], True),
    (["农村低保名单", "农村最低生活保障对象名单"], True),
    (["高龄津贴发放名单", "高龄补贴发放情况"], True),
    (["残疾人补贴发放情况", "残疾人两项补贴发放名单"], True),
    (["养老机构运营补贴", "养老机构运营补助资金"], True),
    (["医院医疗服务价格", "医疗服务项目价格"], True),
    (["疫苗接种不良反应统计", "疑似预防接种异常反应统计"], True),
    (["药品集中采购中选结果", "药品集采中选名单"], True),
    (["营商环境评价报告", "营商环境评估报告"], True),
    (["招商引资优惠政策", "招商引资奖励政策"], True),
    (["产业扶持资金拨付明细", "产业扶持资金发放名单"], True),
    (["科技计划项目立项名单", "科技项目立项清单"], True),
    (["高新技术企业认定名单", "高企认定名单"], True),
    (["农业补贴发放明细", "种粮补贴发放情况"], True),
    (["耕地占补平衡指标交易", "占补平衡指标交易情况"], True),
    (["林地征占用审批", "使用林地审核同意书"], True),
    (["河长制工作报告", "河长制年度工作总结"], True),
    (["信访事项办理结果", "信访办理情况"], True),
    (["行政复议决定书汇编", "行政复议决定汇总"], True),
    (["政府法律顾问聘用合同", "法律顾问服务合同"], True),
    (["12345热线工单统计", "市民热线诉求统计"], True),
]
DISTRICTS = [
    "朝阳",
    "海淀",
    "丰台",
    "西城",
    "东城",
    "通州",
    "昌平",
    "顺义",
    "大兴",
    "房山",
    "浦东新",
    "黄浦",
    "徐汇",
    "静安",
    "闵行",
    "宝山",
    "嘉定",
    "松江",
    "青浦",
    "奉贤",
    "天河",
    "越秀",
    "海珠",
    "白云",
    "番禺",
    "黄埔",
    "南山",
    "福田",
    "罗湖",
    "宝安",
    "龙岗",
    "龙华",
    "武侯",
    "锦江",
    "青羊",
    "金牛",
    "成华",
    "双流",
    "郫都",
    "西湖",
    "上城",
    "拱墅",
    "滨江",
    "萧山",
    "余杭",
    "鼓楼",
    "玄武",
    "秦淮",
    "建邺",
    "雨花台",
    "栖霞",
    "江宁",
    "浦口",
    "历下",
    "市中",
    "槐荫",
    "天桥",
    "历城",
    "和平",
    "河西",
    "南开",
    "河东",
    "红桥",
    "江北",
    "渝中",
    "沙坪坝",
    "九龙坡",
    "南岸",
    "渝北",
    "巴南",
    "江汉",
    "江岸",
    "武昌",
    "洪山",
    "汉阳",
    "硚口",
    "雁塔",
    "碑林",
    "莲湖",
    "新城",
    "未央",
    "灞桥",
    "长安",
    "二七",
    "金水",
    "中原",
    "管城",
    "惠济",
    "岳麓",
    "芙蓉",
    "天心",
    "开福",
    "雨花",
    "思明",
    "湖里",
    "集美",
    "海沧",
    "同安",
    "翔安",
    "市南",
    "市北",
    "李沧",
    "崂山",
    "黄岛",
    "城阳",
]
COUNTIES = [
    "昌乐",
    "寿光",
    "安吉",
    "德清",
    "桐庐",
    "淳安",
    "宁乡",
    "浏阳",
    "长丰",
    "肥西",
    "肥东",
    "庐江",
    "宜良",
    "嵩明",
    "新津",
    "大邑",
    "蒲江",
    "金堂",
]
CITIES = [
    "北京",
    "上海",
    "广州",
    "深圳",
    "成都",
    "杭州",
    "南京",
    "济南",
    "天津",
    "重庆",
    "武汉",
    "西安",
    "郑州",
    "长沙",
    "厦门",
    "青岛",
    "苏州",
    "无锡",
    "宁波",
    "温州",
    "合肥",
    "福州",
    "昆明",
    "南宁",
    "贵阳",
    "太原",
    "石家庄",
    "沈阳",
    "大连",
    "长春",
    "哈尔滨",
    "南昌",
    "兰州",
    "银川",
]
PREFIXES = [
    "",
    "",
    "请公开",
    "申请公开",
    "申请公开：",
    "我想了解",
    "关于",
    "要求提供",
    "请依法公开",
    "您好，请公开",
    "本人申请公开",
    "请提供",
    "依申请公开",
    "希望了解",
]
SUFFIXES = [
    "",
    "",
    "",
    "。",
    "的相关信息",
    "相关文件",
    "的信息公开申请",
    "全文",
    "，谢谢！",
    "的具体内容",
    "及相关材料",
    "（纸质版）",
]
CN = "〇一二三四五六七八九"
FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def _place_names() -> list[str]:
    return [d + "区" for d in DISTRICTS] + [c + "县" for c in COUNTIES] + [c + "市" for c in CITIES]


def _year_text(year: int, rng: random.Random) -> str:
    style = rng.random()
    if style < 0.6:
        digits = str(year)
    elif style < 0.85:
        digits = "".join(CN[int(ch)] for ch in str(year))
    else:
        digits = str(year).translate(FULL)
    return digits + ("年度" if rng.random() < 0.2 else "年")


def generate(n: int, seed: int) -> tuple[list[str], list[int]]:
    """``n`` texts and their true topic ids (subject × place × year)."""
    rng = random.Random(seed)
    places = _place_names()
    years = list(range(2016, 2027))
    n_topics = len(SUBJECTS) * len(places) * len(years)
    # Zipf-like popularity over a random ordering of all topics.
    np_rng = np.random.default_rng(seed)
    ranks = np_rng.permutation(n_topics)
    weights = 1.0 / (np.arange(1, n_topics + 1) ** 0.9)
    weights /= weights.sum()
    chosen = ranks[np_rng.choice(n_topics, size=n, p=weights)]
    texts: list[str] = []
    truth: list[int] = []
    n_py = len(places) * len(years)
    for t in chosen.tolist():
        s, rest = divmod(t, n_py)
        p, y = divmod(rest, len(years))
        phrases, dated = SUBJECTS[s]
        subject = rng.choice(phrases)
        place = places[p]
        if rng.random() < 0.1 and place.endswith(("区", "县", "市")):
            place = place[:-1]  # "朝阳" for "朝阳区" now and then
        year = _year_text(years[y], rng) if dated else ""
        order = rng.random()
        if order < 0.5:
            core = f"{place}{year}{subject}"
        elif order < 0.8:
            core = f"{year}{place}{subject}"
        else:
            core = f"{place}{subject}（{year.rstrip('年度')}年）" if year else f"{place}的{subject}"
        if rng.random() < 0.15:
            core = " ".join(core)  # spaces everywhere, as some web forms produce
        texts.append(rng.choice(PREFIXES) + core + rng.choice(SUFFIXES))
        truth.append(t if dated else s * n_py + p * len(years))
    return texts, truth


# --- exact all-pairs (prefix filtering) --------------------------------------------------


def exact_pairs(texts: list[str], threshold: float) -> set[tuple[int, int]]:
    """All (i, j), i < j, with ``score >= threshold``: every pair sharing a content gram is
    scored exactly (pairs sharing none score 0 unless their normalised texts are equal)."""
    feats = [sim.features_of(t) for t in texts]
    index: dict[str, list[int]] = defaultdict(list)
    out: set[tuple[int, int]] = set()
    by_norm: dict[str, list[int]] = defaultdict(list)
    for i, f in enumerate(feats):
        if f.norm:
            by_norm[f.norm].append(i)
    for members in by_norm.values():  # equal normalised texts score 1
        out.update(itertools.combinations(members, 2))
    for i, f in enumerate(feats):
        if not f.norm:
            continue
        seen: set[int] = set()
        for g in f.content:
            for j in index[g]:
                if j not in seen:
                    seen.add(j)
                    if sim.score(feats[j], f) >= threshold:
                        out.add((j, i))
            index[g].append(i)
    return out


def brute_pairs(texts: list[str], threshold: float) -> set[tuple[int, int]]:
    feats = [sim.features_of(t) for t in texts]
    return {
        (i, j)
        for i, j in itertools.combinations(range(len(texts)), 2)
        if sim.score(feats[i], feats[j]) >= threshold
    }


def _cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=3_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--incremental", type=int, default=2000, help="intake samples for (b)")
    ap.add_argument("--workers", type=int, default=None, help="cluster's workers (default: auto)")
    args = ap.parse_args()
    th = sim.SAME_TOPIC_THRESHOLD

    t0 = time.perf_counter()
    texts, truth = generate(args.n, args.seed)
    print(
        f"generated {len(texts):,} texts ({len(set(truth)):,} true topics) "
        f"in {time.perf_counter() - t0:.1f} s; rss {peak_rss_mb():.0f} MB"
    )
    for t in texts[:5]:
        print("   e.g.", t)

    # sanity: the prefix-filter join equals brute force
    small = texts[:600]
    assert exact_pairs(small, th) == brute_pairs(small, th), "prefix filtering is not exact"

    label = batch_clustering(texts, args.workers)
    rng = random.Random(args.seed + 1)
    sample = rng.sample(range(len(texts)), min(args.sample, len(texts)))
    sample_quality(texts, truth, label, sample, th)
    incremental_cost(texts, rng, args.incremental)


def batch_clustering(texts: list[str], workers: int | None = None) -> npt.NDArray[np.int64]:
    """(a) ``cluster`` over all texts, timed; each text's topic number."""
    gc.collect()
    rss_before = peak_rss_mb()
    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    t0 = time.perf_counter()
    topics = sim.cluster(enumerate(texts), workers=workers)
    secs = time.perf_counter() - t0
    own2, children2 = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    print(
        f"\n(a) cluster: {len(texts):,} texts -> {len(topics):,} topics in {secs:.1f} s "
        f"= {len(texts) / secs:,.0f} texts/s (target <= 60 s for 1M); "
        f"peak RSS {peak_rss_mb():.0f} MB (before clustering {rss_before:.0f} MB)"
    )
    print(
        f"    CPU: this process {_cpu(own2) - _cpu(own):.1f} s, workers "
        f"{_cpu(children2) - _cpu(children):.1f} s (user + system); largest worker's peak RSS "
        f"{children2.ru_maxrss / 1024:.0f} MB"
    )
    sizes = sorted((t.size for t in topics), reverse=True)
    print(f"    largest topics: {sizes[:5]}; singletons: {sum(1 for s in sizes if s == 1):,}")
    print(f"    top topic: {topics[0].representative!r}")
    label = np.empty(len(texts), dtype=np.int64)
    for k, topic in enumerate(topics):
        label[list(topic.member_ids)] = k
    return label


def sample_quality(
    texts: list[str],
    truth: list[int],
    label: npt.NDArray[np.int64],
    sample: list[int],
    th: float,
) -> None:
    """The batch clustering on a sample: recall of the exact same-topic pairs, agreement
    with the generator's topics, and ``cluster`` on the sample alone."""
    sample_texts = [texts[i] for i in sample]
    t0 = time.perf_counter()
    exact = exact_pairs(sample_texts, th)
    t_exact = time.perf_counter() - t0
    caught = sum(1 for a, b in exact if label[sample[a]] == label[sample[b]])
    together = defaultdict(list)
    for pos, i in enumerate(sample):
        together[int(label[i])].append(pos)
    clustered_pairs = sum(len(v) * (len(v) - 1) // 2 for v in together.values())
    recall = caught / len(exact) if exact else 1.0
    print(
        f"    sample of {len(sample):,}: exact all-pairs finds {len(exact):,} same-topic pairs "
        f"({t_exact:.1f} s); the 1M clustering puts {caught:,} of them together: "
        f"recall {recall:.3f} (target >= 0.9)"
    )
    print(
        f"    same-topic pairs of the clustering within the sample: {clustered_pairs:,}; "
        f"of those, similar by the exact score: "
        f"{caught / clustered_pairs if clustered_pairs else 1:.3f}"
    )
    truth_pairs, truth_hit = _truth_pairs_together(truth, label, sample)
    tp_cluster = sum(
        1
        for v in together.values()
        for a, b in itertools.combinations(v, 2)
        if truth[sample[a]] == truth[sample[b]]
    )
    print(
        f"    vs the generator's true topics (sample pairs): recall "
        f"{truth_hit / truth_pairs if truth_pairs else 1:.3f}, precision "
        f"{tp_cluster / clustered_pairs if clustered_pairs else 1:.3f}"
    )
    t0 = time.perf_counter()
    small_topics = sim.cluster(enumerate(sample_texts))
    small_label = {}
    for k, topic in enumerate(small_topics):
        for m in topic.member_ids:
            small_label[m] = k
    small_caught = sum(1 for a, b in exact if small_label[a] == small_label[b])
    print(
        f"    cluster() on the sample alone: {time.perf_counter() - t0:.2f} s, recall "
        f"{small_caught / len(exact) if exact else 1:.3f} of the exact pairs"
    )


def _truth_pairs_together(
    truth: list[int], label: npt.NDArray[np.int64], sample: list[int]
) -> tuple[int, int]:
    """Pairs of the sample from one generator topic, and how many of them the clustering
    puts together."""
    truth_pairs = 0
    truth_hit = 0
    by_truth = defaultdict(list)
    for pos, i in enumerate(sample):
        by_truth[truth[i]].append(pos)
    for members in by_truth.values():
        for a, b in itertools.combinations(members, 2):
            truth_pairs += 1
            truth_hit += label[sample[a]] == label[sample[b]]
    return truth_pairs, truth_hit


def incremental_cost(texts: list[str], rng: random.Random, n: int) -> None:
    """(b) What intake computes per application (no DB), timed ``n`` times."""
    pool = texts[: min(len(texts), 100_000)]
    sim.best_match(pool[0], [(0, pool[1])])  # warm
    times: list[float] = []
    for _ in range(n):
        text = rng.choice(pool)
        cands = [rng.choice(pool) for k in range(20)]
        profile = sim.slots_to_json(sim.features_of(cands[0]))
        t0 = time.perf_counter()
        feats = sim.features_of(text)
        keys = sim.band_keys(sim.signature(text)) + sim.slot_keys(feats)
        cand_feats = [(k, k % 3, sim.features_of(c)) for k, c in enumerate(cands)]
        profiles = {t: sim.slots_from_json(profile) for t in range(3)}
        choice = sim.assign(feats, cand_feats, profiles=profiles)
        if choice.matched is not None:
            sim.shared_elements(feats, cand_feats[choice.matched][2])
        sim.slots_to_json(sim.merge_slots(profiles[0], feats))
        times.append((time.perf_counter() - t0) * 1000)
        assert len(keys) >= sim.BANDS
    times.sort()
    p50 = statistics.median(times)
    p99 = times[int(0.99 * (len(times) - 1))]
    print(
        f"\n(b) intake: features, keys, assign among 20 candidates: p50 {p50:.2f} ms, "
        f"p99 {p99:.2f} ms, max {times[-1]:.2f} ms (target p99 <= 50 ms; no DB)"
    )


if __name__ == "__main__":
    main()
