"""The demo shop's fixed facts: channels, shops, SKUs, regions, names and remarks.

Data, not logic: demo/shop.py draws from these to build 90 days of believable trade for a
pet-supplies seller on Tmall/Taobao, JD and Pinduoduo.
"""

from __future__ import annotations

# code, name, commission in basis points
CHANNELS = [("taobao", "淘宝/天猫", 500), ("jd", "京东", 800), ("pdd", "拼多多", 60)]

# name, channel, reserve_on, payment timeout (min), our shipping cost (cents), share of orders
SHOPS = [
    ("萌宠天猫旗舰店", "taobao", "created", 1440, 650, 0.38),
    ("萌宠淘宝小店", "taobao", "paid", 4320, 600, 0.14),
    ("萌宠京东旗舰店", "jd", "created", 1440, 800, 0.26),
    ("萌宠拼多多店", "pdd", "created", 1440, 550, 0.22),
]

# What the buyer pays for shipping (cents): free from ¥49 of goods (满49包邮), and always free on
# 拼多多, whose sellers all ship free.
FREE_SHIPPING_FROM, SHIPPING_FEE, ALWAYS_FREE_SHIPPING = 4900, 600, ("pdd",)

SUPPLIERS = ["华南宠粮有限公司", "义乌乐宠玩具厂", "宁波宠物用品贸易", "青岛海洋宠物食品"]

# sku, name, price (cents), unit cost (cents), supplier index, popularity weight, stock profile
SKUS = [
    ("PET-FOOD-2KG", "全价成犬粮 2kg", 8900, 4100, 0, 9, "normal"),
    ("PET-FOOD-10KG", "全价成犬粮 10kg", 32900, 17800, 0, 5, "normal"),
    ("PET-FOOD-PUPPY-1KG", "幼犬奶糕粮 1kg", 5900, 2600, 0, 6, "normal"),
    ("CAT-FOOD-1.5KG", "全价成猫粮 1.5kg", 7900, 3500, 0, 9, "normal"),
    ("CAT-FOOD-KITTEN-1KG", "幼猫粮 1kg", 6900, 3000, 0, 6, "low"),
    ("CAT-FOOD-GRAINFREE-2KG", "无谷冻干猫粮 2kg", 16900, 8200, 3, 5, "normal"),
    ("CAT-CAN-TUNA-6", "金枪鱼主食罐 85g×6", 4500, 2100, 3, 8, "normal"),
    ("CAT-CAN-CHICKEN-12", "鸡肉主食罐 85g×12", 8200, 3900, 3, 6, "normal"),
    ("CAT-STRIP-30", "猫条 15g×30", 3900, 1500, 3, 10, "normal"),
    ("DOG-JERKY-500G", "鸡肉干 500g", 4900, 2200, 3, 7, "normal"),
    ("DOG-DENTAL-20", "洁齿骨 20支", 3500, 1400, 3, 5, "normal"),
    ("FREEZE-DRY-CHICKEN-200G", "冻干鸡胸肉 200g", 5900, 2700, 3, 6, "scarce"),
    ("CAT-LITTER-TOFU-6L", "豆腐猫砂 6L", 3900, 1900, 2, 10, "normal"),
    ("CAT-LITTER-BENTONITE-10KG", "膨润土猫砂 10kg", 4500, 2300, 2, 6, "normal"),
    ("CAT-LITTER-MIX-2.5KG", "混合猫砂 2.5kg×4", 8900, 4500, 2, 5, "low"),
    ("TOY-FEATHER-WAND", "逗猫棒 羽毛款", 1900, 500, 1, 8, "normal"),
    ("TOY-LASER-POINTER", "逗猫激光笔", 2900, 900, 1, 4, "normal"),
    ("TOY-CATNIP-BALL-3", "猫薄荷球 3个装", 1500, 400, 1, 6, "normal"),
    ("TOY-ROPE-KNOT", "狗狗磨牙绳结", 2500, 700, 1, 5, "normal"),
    ("TOY-SQUEAKY-DUCK", "发声小黄鸭", 1900, 500, 1, 4, "normal"),
    ("TOY-PUZZLE-FEEDER", "益智漏食玩具", 5900, 2100, 1, 3, "scarce"),
    ("TOY-TUNNEL-3WAY", "三通猫隧道", 6900, 2800, 1, 3, "normal"),
    ("TOY-SCRATCHER-BOARD", "瓦楞纸猫抓板", 2900, 900, 1, 7, "normal"),
    ("ACC-LEASH-M", "尼龙牵引绳 M", 3900, 1200, 2, 5, "normal"),
    ("ACC-LEASH-L", "尼龙牵引绳 L", 4500, 1400, 2, 3, "normal"),
    ("ACC-HARNESS-S", "胸背带 S", 4900, 1600, 2, 4, "normal"),
    ("ACC-HARNESS-M", "胸背带 M", 5500, 1800, 2, 4, "low"),
    ("ACC-COLLAR-BELL", "铃铛项圈", 1900, 500, 2, 5, "normal"),
    ("ACC-BOWL-STEEL-DOUBLE", "不锈钢双碗", 4900, 1800, 2, 5, "normal"),
    ("ACC-FOUNTAIN-2L", "智能饮水机 2L", 12900, 5600, 2, 4, "normal"),
    ("ACC-FILTER-4", "饮水机滤芯 4片", 3900, 1100, 2, 5, "normal"),
    ("ACC-CARRIER-BAG", "宠物外出包", 12900, 5200, 2, 3, "normal"),
    ("ACC-BED-ROUND-M", "圆形宠物窝 M", 9900, 3900, 2, 4, "normal"),
    ("ACC-GROOMING-BRUSH", "梳毛刷", 2900, 800, 2, 5, "normal"),
    ("ACC-NAIL-CLIPPER", "宠物指甲剪", 2500, 700, 2, 4, "normal"),
    ("CARE-SHAMPOO-500ML", "宠物沐浴露 500ml", 4900, 1700, 2, 5, "normal"),
    ("CARE-DEWORM-CAT", "猫用体内外驱虫 3支", 12800, 7600, 0, 4, "scarce"),
    ("CARE-DEWORM-DOG", "犬用驱虫 3支", 13800, 8100, 0, 3, "normal"),
    ("CARE-PROBIOTIC-30", "宠物益生菌 30包", 6900, 2600, 0, 4, "normal"),
    ("CARE-EAR-CLEANER", "洗耳液 120ml", 3500, 1100, 0, 3, "low"),
]

# canonical province short name, weight (share of e-commerce parcels), cities
PROVINCES = [
    ("广东", 14.0, ["广州市", "深圳市", "东莞市", "佛山市"]),
    ("浙江", 9.0, ["杭州市", "宁波市", "温州市", "金华市"]),
    ("江苏", 9.0, ["南京市", "苏州市", "无锡市", "常州市"]),
    ("上海", 6.5, ["上海市"]),
    ("北京", 5.0, ["北京市"]),
    ("山东", 6.0, ["济南市", "青岛市", "烟台市"]),
    ("四川", 4.5, ["成都市", "绵阳市"]),
    ("福建", 4.0, ["福州市", "厦门市", "泉州市"]),
    ("河南", 4.0, ["郑州市", "洛阳市"]),
    ("湖北", 3.5, ["武汉市", "宜昌市"]),
    ("湖南", 3.0, ["长沙市", "株洲市"]),
    ("河北", 3.0, ["石家庄市", "保定市"]),
    ("安徽", 2.8, ["合肥市", "芜湖市"]),
    ("陕西", 2.2, ["西安市"]),
    ("天津", 2.0, ["天津市"]),
    ("重庆", 2.2, ["重庆市"]),
    ("辽宁", 2.2, ["沈阳市", "大连市"]),
    ("江西", 1.8, ["南昌市", "赣州市"]),
    ("广西", 1.6, ["南宁市", "桂林市"]),
    ("云南", 1.5, ["昆明市"]),
    ("山西", 1.2, ["太原市"]),
    ("黑龙江", 1.0, ["哈尔滨市"]),
    ("吉林", 0.8, ["长春市"]),
    ("贵州", 0.9, ["贵阳市"]),
    ("内蒙古", 0.6, ["呼和浩特市", "包头市"]),
    ("新疆", 0.5, ["乌鲁木齐市"]),
    ("海南", 0.6, ["海口市", "三亚市"]),
    ("甘肃", 0.5, ["兰州市"]),
    ("宁夏", 0.2, ["银川市"]),
    ("青海", 0.15, ["西宁市"]),
    ("西藏", 0.05, ["拉萨市"]),
    ("香港", 0.1, ["香港"]),
    ("澳门", 0.03, ["澳门"]),
    ("台湾", 0.05, ["台北市"]),
]

STREETS = ["人民路", "解放路", "中山路", "建设路", "文化路", "科技园路", "滨江大道", "和平街", "新华路", "长安街"]
DISTRICTS = ["高新区", "经开区", "城南区", "城北区", "新城区", "老城区"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "晨",
    "欣怡",
    "子涵",
    "浩然",
    "雨桐",
    "梓萱",
    "一诺",
    "思远",
]
MOBILE_PREFIXES = [
    "138",
    "139",
    "135",
    "136",
    "137",
    "150",
    "151",
    "152",
    "158",
    "159",
    "186",
    "187",
    "188",
    "177",
    "180",
    "181",
    "189",
    "199",
    "166",
    "173",
]
BUYER_REMARKS = [
    "请尽快发货，谢谢",
    "不要放快递柜",
    "送人的，不要放价格单",
    "周末才有人收货",
    "请用顺丰",
    "猫粮要新日期的",
    "包装仔细一点，上次压坏了",
    "帮忙备注一下生日快乐",
]
SELLER_REMARKS = ["老客户，送小样", "已电话确认地址", "加急", "赠品：猫条2支"]

# reason, whether the seller caused it (counts in the order error rate), weight
RETURN_REASONS = [
    ("七天无理由退货", False, 30),
    ("尺码/规格不合适", False, 14),
    ("质量问题", True, 12),
    ("发错货/漏发", True, 9),
    ("与描述不符", True, 8),
    ("物流破损", False, 10),
    ("宠物不爱吃/不喜欢", False, 17),
]

STAFF = {"clerk": ["客服-小美", "客服-阿杰", "客服-小雨"], "warehouse": ["仓库-老王", "仓库-小李", "仓库-阿强"]}
CARRIERS = ["SF", "YTO", "ZTO", "YD", "JD"]
