//! The 35 local business chain ids of JR/T 0325 §5.2 table 2, in the table's order.

/// One row of JR/T 0325 table 2: a regional equity market and its local business chain id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalChain {
    /// The chain id used in DIDs (`did:rem:<id>:...`).
    pub id: &'static str,
    /// The region (地区).
    pub region: &'static str,
    /// The regional equity market (区域性股权市场名称).
    pub market: &'static str,
}

/// JR/T 0325 table 2, copied from the standard's text (cells trimmed of surrounding spaces).
pub const LOCAL_CHAINS: [LocalChain; 35] = [
    LocalChain {
        id: "beijing",
        region: "北京",
        market: "北京股权交易中心有限公司",
    },
    LocalChain {
        id: "tianjin",
        region: "天津",
        market: "天津滨海柜台交易市场股份公司",
    },
    LocalChain {
        id: "hebei",
        region: "河北",
        market: "雄安股权交易所股份有限公司",
    },
    LocalChain {
        id: "shanxi",
        region: "山西",
        market: "山西股权交易中心有限公司",
    },
    LocalChain {
        id: "neimenggu",
        region: "内蒙古",
        market: "内蒙古股权交易中心股份有限公司",
    },
    LocalChain {
        id: "liaoning",
        region: "辽宁",
        market: "辽宁股权交易中心股份有限公司",
    },
    LocalChain {
        id: "jilin",
        region: "吉林",
        market: "吉林股权交易所股份有限公司",
    },
    LocalChain {
        id: "heilongjiang",
        region: "黑龙江",
        market: "黑龙江股权交易中心有限责任公司",
    },
    LocalChain {
        id: "shanghai",
        region: "上海",
        market: "上海股权托管交易中心股份有限公司",
    },
    LocalChain {
        id: "jiangsu",
        region: "江苏",
        market: "江苏股权交易中心有限责任公司",
    },
    LocalChain {
        id: "zhejiang",
        region: "浙江",
        market: "浙江股权服务集团有限公司",
    },
    LocalChain {
        id: "anhui",
        region: "安徽",
        market: "安徽省股权托管交易中心有限责任公司",
    },
    LocalChain {
        id: "fujian",
        region: "福建",
        market: "海峡股权交易中心（福建）有限公司",
    },
    LocalChain {
        id: "jiangxi",
        region: "江西",
        market: "江西联合股权交易中心股份有限公司",
    },
    LocalChain {
        id: "shandong",
        region: "山东",
        market: "齐鲁股权交易中心有限公司",
    },
    LocalChain {
        id: "henan",
        region: "河南",
        market: "中原股权交易中心股份有限公司",
    },
    LocalChain {
        id: "hubei",
        region: "湖北",
        market: "武汉股权托管交易中心有限公司",
    },
    LocalChain {
        id: "hunan",
        region: "湖南",
        market: "湖南股权交易所有限公司",
    },
    LocalChain {
        id: "guangdong",
        region: "广东",
        market: "广东股权交易中心股份有限公司",
    },
    LocalChain {
        id: "guangxi",
        region: "广西",
        market: "广西北部湾股权交易所股份有限公司",
    },
    LocalChain {
        id: "hainan",
        region: "海南",
        market: "海南股权交易中心有限责任公司",
    },
    LocalChain {
        id: "chongqing",
        region: "重庆",
        market: "重庆股份转让中心有限责任公司",
    },
    LocalChain {
        id: "sichuan",
        region: "四川",
        market: "天府（四川）联合股权交易中心股份有限公司",
    },
    LocalChain {
        id: "guizhou",
        region: "贵州",
        market: "贵州股权交易中心有限公司",
    },
    LocalChain {
        id: "yunnan",
        region: "云南",
        market: "云南省股权交易中心有限公司",
    },
    LocalChain {
        id: "shaanxi",
        region: "陕西",
        market: "陕西股权交易中心股份有限公司",
    },
    LocalChain {
        id: "gansu",
        region: "甘肃",
        market: "甘肃股权交易中心股份有限公司",
    },
    LocalChain {
        id: "qinghai",
        region: "青海",
        market: "青海股权交易中心有限公司",
    },
    LocalChain {
        id: "ningxia",
        region: "宁夏",
        market: "宁夏股权托管交易中心（有限公司）",
    },
    LocalChain {
        id: "xinjiang",
        region: "新疆",
        market: "新疆股权交易中心有限公司",
    },
    LocalChain {
        id: "dalian",
        region: "大连",
        market: "大连股权交易中心股份有限公司",
    },
    LocalChain {
        id: "ningbo",
        region: "宁波",
        market: "宁波股权交易中心有限公司",
    },
    LocalChain {
        id: "xiamen",
        region: "厦门",
        market: "厦门两岸股权交易中心有限公司",
    },
    LocalChain {
        id: "qingdao",
        region: "青岛",
        market: "青岛蓝海股权交易中心有限责任公司",
    },
    LocalChain {
        id: "shenzhen",
        region: "深圳",
        market: "深圳前海股权交易中心有限公司",
    },
];

/// The table row of a local business chain id, if `id` is one (exact, lower case).
pub fn local_chain(id: &str) -> Option<&'static LocalChain> {
    LOCAL_CHAINS.iter().find(|chain| chain.id == id)
}
